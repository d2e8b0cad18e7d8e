/**
 * An error's `cause` chain crosses a worker-thread boundary as its messages: the errors themselves need not
 * be cloneable, and what users are shown of a cause is its message. The other side rebuilds it as plain
 * Errors, so the error it throws carries the chain like one thrown in its own thread.
 */

import type { DialerError, ErrorCode } from '@dialer/core';

/** A failure as it crosses a thread boundary: a DialerError's code and details, the message, the causes. */
export interface ThreadFailure {
  code?: ErrorCode;
  message: string;
  details?: Record<string, unknown>;
  causes?: string[];
}

/** `err` as a {@link ThreadFailure} (duck-typed: this module must not load @dialer/core, see isolated-import.ts). */
export function threadFailure(err: unknown): ThreadFailure {
  const { code, details } = err as { code?: unknown; details?: Record<string, unknown> };
  const coded = typeof code === 'string' && code.startsWith('DIALER_ERR_');
  return {
    code: coded ? (code as ErrorCode) : undefined,
    message: err instanceof Error ? err.message : String(err),
    details: coded ? details : undefined,
    causes: causeMessages(err),
  };
}

/**
 * The error a {@link ThreadFailure} stands for, rebuilt on this side. `DialerErrorClass` is core's, passed by a
 * caller that has it loaded (needed only for a coded failure).
 */
export function rebuildFailure(failure: ThreadFailure, DialerErrorClass?: typeof DialerError): Error {
  const cause = causeOption(failure.causes);
  return failure.code && DialerErrorClass
    ? new DialerErrorClass(failure.code, failure.message, failure.details, cause)
    : new Error(failure.message, cause);
}

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
