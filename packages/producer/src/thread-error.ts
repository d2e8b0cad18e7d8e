/**
 * An error's `cause` chain crosses a worker-thread boundary as its messages: the errors themselves need not
 * be cloneable, and what users are shown of a cause is its message. The other side rebuilds it as plain
 * Errors, so the error it throws carries the chain like one thrown in its own thread.
 */

/** A chain is a few errors deep; this only stops a cycle or a runaway one. */
const MAX_CAUSES = 8;

/** The messages of `err`'s cause chain, nearest first; undefined when it has no cause. */
export function causeMessages(err: unknown): string[] | undefined {
  const messages: string[] = [];
  const seen = new Set<unknown>([err]);
  let cause = err instanceof Error ? err.cause : undefined;
  while (cause !== undefined && cause !== null && !seen.has(cause) && messages.length < MAX_CAUSES) {
    seen.add(cause);
    messages.push(cause instanceof Error ? cause.message : String(cause));
    cause = cause instanceof Error ? cause.cause : undefined;
  }
  return messages.length > 0 ? messages : undefined;
}

/** The `{ cause }` option for an error rebuilt from {@link causeMessages}; undefined when there were none. */
export function causeOption(messages: readonly string[] | undefined): { cause: Error } | undefined {
  let cause: Error | undefined;
  for (const message of [...(messages ?? [])].reverse())
    cause = new Error(message, cause === undefined ? undefined : { cause });
  return cause === undefined ? undefined : { cause };
}
