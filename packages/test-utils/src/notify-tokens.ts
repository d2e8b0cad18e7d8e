import {
  createNotifyTokenSigner,
  createNotifyTokenVerifier,
  type AttemptRef,
  type NotifyTokenOptions,
} from '@dialer/core';

/** A notify token for `ref`, signed as the worker signs them (issued at `nowMs`: in the past for an expired one). */
export function notifyToken(ref: AttemptRef, opts: NotifyTokenOptions, nowMs = Date.now()): string {
  return createNotifyTokenSigner(opts).sign(ref, nowMs);
}

/** The attempt a notify token names, checked as the ingester checks it (throws DIALER_ERR_TOKEN when refused). */
export function readNotifyToken(token: string, opts: NotifyTokenOptions, nowMs = Date.now()): AttemptRef {
  return createNotifyTokenVerifier(opts).verify(token, nowMs);
}
