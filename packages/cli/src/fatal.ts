import { isDialerError, scrubText } from '@dialer/core';

/** Prints an error the way users should see it (code + message, never a stack for expected errors) and exits non-zero. */
export function reportFatal(err: unknown): never {
  if (isDialerError(err)) {
    process.stderr.write(`dialer: ${err.code}: ${scrubText(err.message)}\n`);
  } else {
    const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
    process.stderr.write(`dialer: unexpected error: ${scrubText(message)}\n`);
  }
  process.exit(err && typeof err === 'object' && 'exitCode' in err && typeof err.exitCode === 'number' ? err.exitCode : 1);
}
