import { InvalidArgumentError, type Command } from 'commander';

interface CallFlags {
  settings?: string;
  campaign?: string;
  defaultCountry?: string;
  timeout: number;
  json?: boolean;
}

function seconds(text: string): number {
  const s = Number(text);
  if (!Number.isFinite(s) || s < 1 || s > 86_400) throw new InvalidArgumentError('a number of seconds from 1 to 86400');
  return s;
}

/**
 * `dialer call <number>`: one test dial-out through the real path (a one-contact campaign, the calling rules and
 * pacing, the gateway, the ingester), printing the gateway's answer and each notification as the ingester applies
 * it. Exit 0 once the final notification came; see VERDICT_EXIT_CODES for the others.
 */
export function registerCallCommand(program: Command): void {
  program
    .command('call')
    .description(
      'Place one test call through the real path (gateway, ingester) and print the dial-out answer and each notification',
    )
    .argument('<number>', 'the number to call (E.164, or national with --default-country)')
    .option('--settings <file>', 'campaign settings JSON, as for `dialer produce` (caller, bot, trunk, window…)')
    .option('--campaign <id>', 'id of the test campaign to create (default: call-<time>-<hex>)')
    .option('--default-country <CC>', 'country for a number without an international prefix, e.g. US')
    .option(
      '--timeout <seconds>',
      "how long to wait for the call's final notification once the gateway answered the dial-out",
      seconds,
      300,
    )
    .option(
      '--json',
      'print one JSON object at the end: {campaign, contactId, number, verdict, ok, message, dialout, notifications, outcome, reason}',
    )
    .addHelpText(
      'after',
      `
Needs the worker's settings (SAVG_*, NOTIFY_BASE_URL, NOTIFY_TOKEN_SECRET) and a running \`dialer ingester\`
the gateway reaches at NOTIFY_BASE_URL. The do-not-call lists, calling window, caps and pacing apply as to any
contact. The campaign is kept (\`dialer report <id>\` shows the attempt) and never re-dials.
Exit codes: 0 final notification received; 3 refused by the dialer's rules; 4 not placed by the gateway
(refused, rejected, unreachable); 5 no final notification within --timeout; 130 interrupted; 1 other errors.`,
    )
    .action(async (number: string, flags: CallFlags) => {
      // Loaded on use: registering the command (and `--help`) never loads @dialer/core.
      const { runTestCall } = await import('../call/test-call.js');
      process.exitCode = await runTestCall({
        number,
        settingsFile: flags.settings,
        campaignId: flags.campaign,
        defaultCountry: flags.defaultCountry,
        timeoutMs: Math.round(flags.timeout * 1000),
        json: flags.json === true,
      });
    });
}
