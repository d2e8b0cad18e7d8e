import type { Logger } from '@dialer/core';

export interface Stoppable {
  close(): Promise<void>;
}

/**
 * Runs a long-lived process until SIGTERM/SIGINT, then closes it within `timeoutMs` and exits 0
 * (1 if closing failed or took too long). A second signal exits at once.
 */
export function runUntilSignal(service: Stoppable, logger: Logger, timeoutMs: number): void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      logger.error({ timeoutMs }, 'shutdown timed out');
      process.exit(1);
    }, timeoutMs);
    timer.unref();
    service.close().then(
      () => {
        logger.info('stopped');
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}
