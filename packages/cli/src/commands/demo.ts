import { InvalidArgumentError, type Command } from 'commander';
import type { DemoOptions } from '../demo/demo-env.js';

interface DemoFlags {
  contacts?: string;
  outcomes?: string;
  rate: number;
  workers: number;
  redialDelay: number;
  lostAfter: number;
  defaultCountry: string;
  keepRunning?: boolean;
  privateRedis?: boolean;
  clean?: boolean;
  timeout: number;
  dir?: string;
}

function numberIn(min: number, max: number, what: string) {
  return (text: string): number => {
    const v = Number(text);
    if (!Number.isFinite(v) || v < min || v > max) throw new InvalidArgumentError(`${what} from ${min} to ${max}`);
    return v;
  };
}

/**
 * `dialer demo`: everything on one machine against the SAVG simulator — Redis (REDIS_URL, else localhost,
 * else a private redis-server), the simulator, the ingester, workers and Bull Board as real child processes,
 * an import of the bundled sample, live progress, then the outcome summary and the report file.
 */
export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description(
      'Everything on one machine against the SAVG simulator: import a sample, dial it, show progress, write the report',
    )
    .option('--contacts <file>', 'CSV to import (default: the bundled sample, 309 rows of fictional contacts)')
    .option(
      '--outcomes <file.json>',
      'simulator outcome per number, e.g. {"+12025550100":"busy,human"} (default: the sample\'s own, when importing the sample)',
    )
    .option('--rate <n>', 'dial-outs per second, all workers together', numberIn(0.1, 1000, 'a number'), 25)
    .option('--workers <n>', 'dial worker processes', numberIn(1, 16, 'an integer'), 2)
    .option(
      '--redial-delay <seconds>',
      'delay before re-dialing a busy or unavailable line',
      numberIn(0, 3600, 'seconds'),
      3,
    )
    .option(
      '--lost-after <seconds>',
      'a call with no notification after this long ends as lost',
      numberIn(1, 3600, 'seconds'),
      10,
    )
    .option('--default-country <CC>', 'country of numbers written without an international prefix', 'US')
    .option('--keep-running', 'after the summary, leave everything running (browse the board) until Ctrl-C')
    .option('--private-redis', 'start a private redis-server even when REDIS_URL is set or one answers on localhost')
    .option('--clean', "delete the run's Redis keys at the end (default: keep them under their unique prefix)")
    .option(
      '--timeout <seconds>',
      'give up when the campaign has not finished after this long',
      numberIn(10, 86_400, 'seconds'),
      300,
    )
    .option(
      '--dir <path>',
      'run directory for logs, settings, rejects and the report (default: a new one under the temp directory)',
    )
    .addHelpText(
      'after',
      `
Redis: REDIS_URL when set; else one answering on 127.0.0.1:6379; else a private redis-server (if installed)
on a free loopback port, stopped at the end. All keys live under a unique prefix (demo-<time>-<hex>).
Every process listens on 127.0.0.1 only; their logs go to <run directory>/logs. Ctrl-C stops everything
(workers first, the simulator last); a second Ctrl-C kills at once. SIM_* variables tune the simulator.`,
    )
    .action(async (flags: DemoFlags) => {
      // First, before anything that needs the newer Node is loaded (the fatal handler loads @dialer/core too).
      const { nodeVersionProblem } = await import('../node-version.js');
      const tooOld = nodeVersionProblem(process.versions.node);
      if (tooOld) {
        process.stderr.write(`dialer demo: ${tooOld}\n`);
        process.exitCode = 1;
        return;
      }
      // Loaded on use: registering the command (and `--help`) never loads the demo's stack.
      const { isDialerError, scrubText } = await import('@dialer/core');
      const { DemoSession } = await import('../demo/demo-session.js');
      const { SAMPLE_CONTACTS } = await import('../demo/demo-env.js');
      const code = await new DemoSession(toOptions(flags, SAMPLE_CONTACTS)).run().catch((err: unknown) => {
        // Coded errors (no Redis, a bad CSV) print as usual; anything else is a failed demo step, whose
        // message already names the log to read: no stack trace.
        if (isDialerError(err) || !(err instanceof Error)) throw err;
        process.stderr.write(`dialer demo failed: ${scrubText(err.message)}\n`);
        return 1;
      });
      process.exitCode = code;
      // Everything the demo opened is closed by now; never hang on a stray handle (a keep-alive socket).
      setTimeout(() => process.exit(code), 3000).unref();
    });
}

function toOptions(f: DemoFlags, sampleContacts: string): DemoOptions {
  return {
    contacts: f.contacts ?? sampleContacts,
    outcomes: f.outcomes,
    rate: f.rate,
    workers: Math.round(f.workers),
    redialDelayMs: Math.round(f.redialDelay * 1000),
    lostAfterMs: Math.round(f.lostAfter * 1000),
    defaultCountry: f.defaultCountry || undefined,
    keepRunning: f.keepRunning === true,
    privateRedis: f.privateRedis === true,
    clean: f.clean === true,
    timeoutMs: Math.round(f.timeout * 1000),
    dir: f.dir,
  };
}
