// jose's own JWT signing and verification of notify tokens, as an independent reference: the product signs and
// verifies them with its fast synchronous signer and verifier, and these tests check both agree with jose.
import { SignJWT, errors as joseErrors, jwtVerify } from 'jose';
import {
  DialerError,
  NOTIFY_TOKEN_ISSUER,
  type AttemptRef,
  type NotifyTokenOptions,
  type TokenFailure,
} from '@dialer/core';

const key = (secret: string) => new TextEncoder().encode(secret);

export async function joseSign(ref: AttemptRef, opts: NotifyTokenOptions, nowMs = Date.now()): Promise<string> {
  const iat = Math.floor(nowMs / 1000);
  return new SignJWT({ c: ref.campaignId, k: ref.contactId, n: ref.attempt })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer(NOTIFY_TOKEN_ISSUER)
    .setAudience(opts.audience)
    .setIssuedAt(iat)
    .setExpirationTime(iat + Math.ceil(opts.ttlMs / 1000))
    .sign(key(opts.secret));
}

function failure(err: unknown): TokenFailure {
  if (err instanceof joseErrors.JWTExpired) return 'expired';
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) return 'bad-signature';
  if (err instanceof joseErrors.JWTClaimValidationFailed && err.claim === 'aud') return 'wrong-audience';
  return 'malformed';
}

export async function joseVerify(token: string, opts: NotifyTokenOptions, nowMs = Date.now()): Promise<AttemptRef> {
  try {
    const { payload } = await jwtVerify(token, key(opts.secret), {
      algorithms: ['HS256'],
      issuer: NOTIFY_TOKEN_ISSUER,
      audience: opts.audience,
      currentDate: new Date(nowMs),
    });
    const { c, k, n } = payload as { c?: unknown; k?: unknown; n?: unknown };
    if (typeof c !== 'string' || typeof k !== 'string' || typeof n !== 'number' || !Number.isInteger(n) || n < 1) {
      throw new DialerError('DIALER_ERR_TOKEN', 'notify token lacks campaign/contact/attempt claims', {
        reason: 'malformed',
      });
    }
    return { campaignId: c, contactId: k, attempt: n };
  } catch (err) {
    if (err instanceof DialerError) throw err;
    const reason = failure(err);
    throw new DialerError('DIALER_ERR_TOKEN', `notify token refused: ${reason}`, { reason });
  }
}
