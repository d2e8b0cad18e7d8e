import type { Command } from 'commander';

const print = (text: string) => process.stdout.write(text);

/**
 * `dialer results deliver | redeliver`. The results webhook (a campaign's `results` setting) is delivered by
 * every ingester that applies notifications; `deliver` runs only that side, to scale it apart or to run it on a
 * deployment whose ingesters use `--no-results`. Any number may run: one moves outboxes at a time, and each
 * delivery is one job.
 */
export function registerResultsCommand(program: Command): void {
  const results = program
    .command('results')
    .description("Campaign results pushed to the customer's webhook (the campaign's `results` setting)");

  results
    .command('deliver')
    .description('Run only the results webhook deliverer (the ingester runs it too unless started with --no-results)')
    .action(async () => {
      const { configWarnings, createLogger, loadConfig } = await import('@dialer/core');
      const { buildMetricsApp, listenMetricsApp } = await import('@dialer/core/metrics-app');
      const { runUntilSignal } = await import('../run-process.js');
      const { buildResultsService } = await import('@dialer/ingester');
      const config = loadConfig(process.env, 'cli');
      const logger = createLogger({ level: config.logLevel, name: 'results' });
      for (const warning of configWarnings(config)) logger.warn(warning);
      const service = buildResultsService(config, logger);
      const metricsApp = buildMetricsApp(service.registry, () => ({ ok: true }));
      const metrics = await listenMetricsApp(
        metricsApp,
        config.metrics.host,
        config.metrics.ingesterPort,
        'INGESTER_METRICS_PORT',
      );
      service.start();
      logger.info({ metrics }, 'results deliverer started');
      runUntilSignal(
        {
          async close() {
            await service.close();
            await metricsApp.close();
          },
        },
        logger,
        config.shutdownTimeoutMs,
      );
    });

  results
    .command('redeliver')
    .description(
      "Send again a campaign's results whose delivery failed for good (same delivery ids, a new retry window)",
    )
    .argument('<id>', 'campaign id')
    .option('--json', 'print {"campaign","redelivered"}')
    .action(async (id: string, flags: { json?: boolean }) => {
      const { CampaignStore, createKeys, createRedis, loadConfig, openResultsQueue, redeliverFailed } =
        await import('@dialer/core');
      const config = loadConfig(process.env, 'cli');
      const keys = createKeys(config.keyPrefix);
      const redis = createRedis(config.redisUrl, 'blocking', 'dialer-results');
      const queue = openResultsQueue(redis, keys);
      try {
        await new CampaignStore(redis, keys).requireCampaign(id);
        const redelivered = await redeliverFailed(queue, id);
        print(
          flags.json
            ? `${JSON.stringify({ campaign: id, redelivered })}\n`
            : `${redelivered} result${redelivered === 1 ? '' : 's'} of ${id} queued for delivery again\n`,
        );
      } finally {
        await queue.close();
        await redis.quit();
      }
    });
}
