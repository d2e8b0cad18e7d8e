import type { Command } from 'commander';

interface IngesterFlags {
  processor: boolean;
  results: boolean;
  onlyProcessor?: boolean;
  concurrency?: string;
}

function concurrencyOf(text: string | undefined, core: typeof import('@dialer/core')): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 1000)
    throw new core.DialerError('DIALER_ERR_CONFIG', '--concurrency must be an integer from 1 to 1000');
  return n;
}

/**
 * `dialer ingester`: the notification webhook on INGESTER_HOST:INGESTER_PORT (`/notify/:token`, `/healthz`,
 * `/readyz`), plus (by default, in the same process) the notification processor and the lost-notification
 * watchdog. `/metrics` and `/healthz` are on METRICS_HOST:INGESTER_METRICS_PORT, never on the webhook port
 * (it faces the internet). To scale the two sides apart, run webhook replicas with `--no-processor` and
 * processing replicas with `--only-processor` (those still serve /healthz and /readyz on INGESTER_PORT).
 * Any number of each may run: every transition is atomic.
 */
export function registerIngesterCommand(program: Command): void {
  program
    .command('ingester')
    .description('Run the notification webhook server (with its processor and lost-notification watchdog)')
    .option('--no-processor', 'serve the webhook only; other replicas (--only-processor) apply the notifications')
    .option('--only-processor', 'apply notifications and run the watchdog only (health and metrics are still served)')
    .option('--no-results', "do not deliver campaigns' results to their webhooks (`dialer results deliver` does)")
    .option('--concurrency <n>', 'notifications applied at once by this process (default 50)')
    .action(async (flags: IngesterFlags) => {
      const core = await import('@dialer/core');
      const { DialerError, configWarnings, createLogger, loadConfig } = core;
      const { runUntilSignal } = await import('../run-process.js');
      if (flags.onlyProcessor && !flags.processor) {
        throw new DialerError('DIALER_ERR_CONFIG', '--no-processor and --only-processor exclude each other');
      }
      const config = loadConfig(process.env, 'ingester');
      const logger = createLogger({ level: config.logLevel, name: 'ingester' });
      for (const warning of configWarnings(config)) logger.warn(warning);
      // Loaded on use: `dialer produce` and the other commands never load the ingester's web server.
      const { buildIngester } = await import('@dialer/ingester');
      const ingester = buildIngester({
        config,
        logger,
        webhook: !flags.onlyProcessor,
        processor: flags.processor,
        results: flags.processor && flags.results,
        processorConcurrency: concurrencyOf(flags.concurrency, core),
        defaultMetrics: true,
      });
      const address = await ingester.app.listen({ host: config.ingester.host, port: config.ingester.port });
      const metrics = await ingester.listenMetrics();
      await ingester.start();
      logger.info({ address, metrics, webhook: !flags.onlyProcessor, processor: flags.processor }, 'ingester started');
      runUntilSignal(ingester, logger, config.shutdownTimeoutMs);
    });
}
