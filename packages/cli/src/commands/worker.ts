import type { Command } from 'commander';

/**
 * `dialer worker`: a stateless dial worker. Run as many as you like, on any hosts: they find every campaign
 * through Redis (new, resumed or cancelled ones too, without a restart) and share the global pacing and
 * live-call limits. Serves /metrics and /healthz on METRICS_HOST:WORKER_METRICS_PORT (0 = any free port;
 * give each process on one host its own port). SIGTERM/SIGINT: finish in-flight dial-outs, exit 0.
 */
export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description('Run a dial worker (any number, anywhere): paced dial-outs to SAVG for every running campaign')
    .action(async () => {
      // Loaded on use: `dialer produce` and the other commands never load the worker's HTTP client and metrics.
      const { configWarnings, createLogger, loadConfig } = await import('@dialer/core');
      const { runUntilSignal } = await import('../run-process.js');
      const config = loadConfig(process.env, 'worker');
      const logger = createLogger({ level: config.logLevel, name: 'worker' });
      for (const warning of configWarnings(config)) logger.warn(warning);
      const { buildWorker } = await import('@dialer/worker');
      const worker = buildWorker({ config, logger });
      await worker.start();
      logger.info({ metrics: worker.metricsAddress }, 'worker ready');
      runUntilSignal(worker, logger, config.shutdownTimeoutMs);
    });
}
