import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import { DialerError } from './errors.js';

/** What a notify token names: one attempt of one contact of one campaign. */
export interface AttemptRef {
  campaignId: string;
  contactId: string;
  attempt: number;
}

export type TokenFailure = 'expired' | 'bad-signature' | 'wrong-audience' | 'malformed';

const ISSUER = 'savg-dialer';

export interface NotifyTokenOptions {
  secret: string;
  /** Deployment id: tokens of another deployment are refused. */
  audience: string;
  /** Lifetime; must outlive the longest call. */
  ttlMs: number;
}

function key(secret: string): Uint8Array {
  return new TextEncoder().encode(secret);
}

/** Signs the per-attempt token carried in `notifyurl` (HS256, short-lived, campaign/contact/attempt claims). */
export async function signNotifyToken(ref: AttemptRef, opts: NotifyTokenOptions, nowMs = Date.now()): Promise<string> {
  const iat = Math.floor(nowMs / 1000);
  return new SignJWT({ c: ref.campaignId, k: ref.contactId, n: ref.attempt })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer(ISSUER)
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

/** Verifies a notify token; throws DIALER_ERR_TOKEN with `details.reason` saying why it was refused. */
export async function verifyNotifyToken(token: string, opts: NotifyTokenOptions, nowMs = Date.now()): Promise<AttemptRef> {
  try {
    const { payload } = await jwtVerify(token, key(opts.secret), {
      algorithms: ['HS256'],
      issuer: ISSUER,
      audience: opts.audience,
      currentDate: new Date(nowMs),
    });
    const { c, k, n } = payload as { c?: unknown; k?: unknown; n?: unknown };
    if (typeof c !== 'string' || typeof k !== 'string' || typeof n !== 'number' || !Number.isInteger(n) || n < 1) {
      throw new DialerError('DIALER_ERR_TOKEN', 'notify token lacks campaign/contact/attempt claims', { reason: 'malformed' });
    }
    return { campaignId: c, contactId: k, attempt: n };
  } catch (err) {
    if (err instanceof DialerError) throw err;
    const reason = failure(err);
    throw new DialerError('DIALER_ERR_TOKEN', `notify token refused: ${reason}`, { reason });
  }
}
