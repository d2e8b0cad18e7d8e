import type { Command } from 'commander';

/** `dialer sim`: the SAVG simulator, for the demo, local development and benchmarks. */
export function registerSimCommand(program: Command): void {
  program
    .command('sim')
    .description('Run the SAVG simulator (a faithful dial-out + notification stand-in); configured by SIM_* variables')
    .option('--host <host>', 'listen address (overrides SIM_HOST)')
    .option('--port <port>', 'listen port (overrides SIM_PORT)')
    .action(async (opts: { host?: string; port?: string }) => {
      // Loaded on use: `dialer produce` and the other commands never load the simulator.
      const { createSimulator, loadSimulatorOptions } = await import('@dialer/simulator');
      const { createLogger, DialerError } = await import('@dialer/core');
      const { runUntilSignal } = await import('../run-process.js');
      let options;
      try {
        options = loadSimulatorOptions({
          ...process.env,
          ...(opts.host ? { SIM_HOST: opts.host } : {}),
          ...(opts.port ? { SIM_PORT: opts.port } : {}),
        });
      } catch (err) {
        throw new DialerError('DIALER_ERR_CONFIG', err instanceof Error ? err.message : String(err), undefined, {
          cause: err,
        });
      }
      const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'info', name: 'sim' });
      const sim = createSimulator(options);
      const address = await sim.app.listen({ host: sim.options.host, port: sim.options.port });
      logger.info({ address }, 'SAVG simulator listening');
      runUntilSignal({ close: () => sim.app.close() }, logger, 5000);
    });
}
