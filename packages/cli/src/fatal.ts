import { isDialerError, scrubText } from '@dialer/core';

/** Causes printed at most: a chain is a few errors deep; this only stops a cycle or a runaway one. */
const MAX_CAUSES = 8;

function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  // A cause may be anything thrown; an object with a message (a cloned error) still has one to show.
  const message = err && typeof err === 'object' ? (err as { message?: unknown }).message : undefined;
  return typeof message === 'string' ? message : String(err);
}

/**
 * The `cause` chain's messages, scrubbed like the message itself, one line each. A cause whose message an
 * error before it already quotes in full adds nothing (wrappers often repeat it), so it is left out.
 */
function causeLines(err: unknown): string[] {
  const lines: string[] = [];
  const seen = new Set<unknown>([err]);
  let shown = messageOf(err);
  let cause = err instanceof Error ? err.cause : undefined;
  while (cause !== undefined && cause !== null && !seen.has(cause) && seen.size <= MAX_CAUSES) {
    seen.add(cause);
    const message = messageOf(cause);
    if (message !== '' && !shown.includes(message)) lines.push(`  cause: ${scrubText(message.replace(/\s+/g, ' '))}`);
    shown += `\n${message}`;
    cause = cause instanceof Error ? cause.cause : undefined;
  }
  return lines;
}

/** What the user sees of an error: code + message (a stack only for unexpected errors), then its causes' messages. */
export function fatalText(err: unknown): string {
  const head = isDialerError(err)
    ? `dialer: ${err.code}: ${scrubText(err.message)}`
    : `dialer: unexpected error: ${scrubText(err instanceof Error ? (err.stack ?? err.message) : String(err))}`;
  return [head, ...causeLines(err)].map((line) => `${line}\n`).join('');
}

/** Prints an error the way users should see it ({@link fatalText}) and exits non-zero. */
export function reportFatal(err: unknown): never {
  process.stderr.write(fatalText(err));
  process.exit(
    err && typeof err === 'object' && 'exitCode' in err && typeof err.exitCode === 'number' ? err.exitCode : 1,
  );
}
