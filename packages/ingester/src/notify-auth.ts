import {
  NOTIFY_TOKEN_HEADER,
  isDialerError,
  type AttemptRef,
  type NotifyTokenVerifier,
  type TokenFailure,
} from '@dialer/core';

/**
 * Why a notification was refused, as the `reason` of its 401 and the label of
 * `dialer_ingester_token_refused_total` (a fixed set: the label must not grow with the input).
 * `token-mismatch`: the `x-dialer-token` header does not name the URL token's attempt; `missing`: neither
 * the URL nor the header carries a token.
 */
export type RefusalReason = TokenFailure | 'token-mismatch' | 'missing';

export const REFUSAL_REASONS: readonly RefusalReason[] = [
  'expired',
  'bad-signature',
  'wrong-audience',
  'malformed',
  'token-mismatch',
  'missing',
];

const TOKEN_FAILURES = new Set<string>(['expired', 'bad-signature', 'wrong-audience', 'malformed']);

export type NotifyAuth = { ok: true; ref: AttemptRef } | { ok: false; reason: RefusalReason };

/** The `x-dialer-token` header as one string (a repeated header is joined, so it cannot match), or undefined. */
export function headerToken(headers: Record<string, string | string[] | undefined>): string | undefined {
  const value = headers[NOTIFY_TOKEN_HEADER];
  return Array.isArray(value) ? value.join(', ') : value;
}

function verified(verifier: NotifyTokenVerifier, token: string, nowMs: number): NotifyAuth {
  try {
    return { ok: true, ref: verifier.verify(token, nowMs) };
  } catch (err) {
    const given = isDialerError(err, 'DIALER_ERR_TOKEN') ? String(err.details?.reason ?? 'malformed') : 'malformed';
    return { ok: false, reason: TOKEN_FAILURES.has(given) ? (given as TokenFailure) : 'malformed' };
  }
}

function sameAttempt(a: AttemptRef, b: AttemptRef): boolean {
  return a.campaignId === b.campaignId && a.contactId === b.contactId && a.attempt === b.attempt;
}

/**
 * The attempt a notification is for, from its URL token and its `x-dialer-token` header (the dialer asks the
 * gateway to echo the same token in it, `notifyHeaders`):
 * - a URL token decides; when the header is there too it must name the same attempt (a valid token of the
 *   same attempt, in practice the same string), else `token-mismatch`, whatever is wrong with it;
 * - without a URL token (`POST /notify`, or an empty one) the header's token decides, refused for the same
 *   reasons as a URL token; neither: `missing`.
 * The same string in both is verified once (the common case costs one string comparison more).
 */
export function authenticateNotification(
  verifier: NotifyTokenVerifier,
  urlToken: string | undefined,
  header: string | undefined,
  nowMs: number,
): NotifyAuth {
  if (urlToken) {
    const fromUrl = verified(verifier, urlToken, nowMs);
    if (!fromUrl.ok || header === undefined || header === urlToken) return fromUrl;
    const fromHeader = verified(verifier, header, nowMs);
    return fromHeader.ok && sameAttempt(fromHeader.ref, fromUrl.ref)
      ? fromUrl
      : { ok: false, reason: 'token-mismatch' };
  }
  if (header === undefined) return { ok: false, reason: 'missing' };
  return verified(verifier, header, nowMs);
}
