import type { Command } from 'commander';

/**
 * `dialer doctor`: checks a deployment before its first campaign, one PASS/WARN/FAIL line each with what to do
 * (the SAVG JWT, the gateway answering, Redis's eviction policy, persistence and clock, the notify URL, the
 * ingester behind it). Places no call. Exit 0 when no check fails.
 */
export function registerDoctorCommand(program: Command): void {
  program
    .command('doctor')
    .description(
      'Check a deployment without placing a call: SAVG credentials and reachability, Redis (eviction, persistence, clock), NOTIFY_BASE_URL',
    )
    .option('--json', 'print one JSON object: {ok, checks: [{name, status, message, fix}]}')
    .action(async (flags: { json?: boolean }) => {
      // Loaded on use: registering the command (and `--help`) never loads @dialer/core.
      const { runDoctor } = await import('../doctor/run-doctor.js');
      const { reportText } = await import('../doctor/doctor-check.js');
      const checks = await runDoctor(process.env);
      const ok = !checks.some((c) => c.status === 'FAIL');
      process.stdout.write(flags.json ? `${JSON.stringify({ ok, checks })}\n` : reportText(checks));
      process.exitCode = ok ? 0 : 1;
    });
}
