import type { Command } from 'commander';

/**
 * `dialer board`: Bull Board for every campaign queue (and the internal notification queue) on
 * BOARD_HOST:BOARD_PORT, behind BOARD_USER/BOARD_PASSWORD. Pause/resume there = `dialer campaign pause/resume`.
 * Also serves /healthz (public) and /metrics (with the credentials).
 */
export function registerBoardCommand(program: Command): void {
  program
    .command('board')
    .description(
      'Run Bull Board for every campaign queue (basic auth: BOARD_USER/BOARD_PASSWORD), with /healthz and /metrics',
    )
    .action(async () => {
      const { createLogger, loadConfig } = await import('@dialer/core');
      const { runUntilSignal } = await import('../run-process.js');
      const config = loadConfig(process.env, 'board');
      const logger = createLogger({ level: config.logLevel, name: 'board' });
      // Loaded here, not at the top: Bull Board's UI stack is heavy and only this command needs it.
      const { buildBoard } = await import('@dialer/board');
      const board = buildBoard({ config, logger, defaultMetrics: true });
      const address = await board.app.listen({ host: config.board.host, port: config.board.port });
      logger.info({ address, campaigns: board.campaignIds().length }, 'board listening');
      runUntilSignal(board, logger, config.shutdownTimeoutMs);
    });
}
