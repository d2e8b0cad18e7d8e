/**
 * The JWT SAVG expects in the `auth` header of a dial-out: HS256 signed with the app's client secret,
 * payload `{appId: <client id>, sub}` (see docs/design.md (SAVG API notes)). `iat`/`exp`/`jti` are added because apps may enforce
 * `jti`, and a bounded lifetime limits the damage of a leaked token.
 */
import { createSecretKey, randomUUID, type KeyObject } from 'node:crypto';

/** jose is loaded on first use: most processes (an import, the CLI) never sign or verify a SAVG token, and
 * loading it costs every process start ~75 ms. */
let jose: Promise<typeof import('jose')> | undefined;
const loadJose = () => (jose ??= import('jose'));

export interface SavgCredentials {
  clientId: string;
  clientSecret: string;
}

export interface SavgAuthTokenOptions extends SavgCredentials {
  /** Token lifetime. @defaultValue 3600 */
  ttlSeconds?: number;
  /** Sign a fresh token this long before the cached one expires. @defaultValue 300 */
  renewBeforeSeconds?: number;
  /** The `sub` claim; SAVG accepts any value. @defaultValue 'savg-bulk-dialer' */
  subject?: string;
  /** Clock in epoch milliseconds (injectable for tests). @defaultValue Date.now */
  now?: () => number;
}

/** Claims of a verified SAVG JWT (never includes the secret). */
export interface SavgJwtClaims {
  appId: string;
  sub?: string;
  jti?: string;
  iat?: number;
  exp?: number;
}

export type SavgAuthErrorCode = 'missing' | 'malformed' | 'signature' | 'expired' | 'app-id';

/** Why a SAVG JWT was refused; the message never contains the token. */
export class SavgAuthError extends Error {
  readonly code: SavgAuthErrorCode;
  constructor(code: SavgAuthErrorCode, message: string) {
    super(message);
    this.name = 'SavgAuthError';
    this.code = code;
  }
}

function secretKey(secret: string): KeyObject {
  return createSecretKey(Buffer.from(secret, 'utf8'));
}

/** Signs SAVG JWTs and caches one until shortly before it expires. */
export class SavgAuthToken {
  readonly #clientId: string;
  readonly #key: KeyObject;
  readonly #ttlSeconds: number;
  readonly #renewBeforeSeconds: number;
  readonly #subject: string;
  readonly #now: () => number;
  #cached: { token: string; renewAtMs: number } | undefined;
  #pending: Promise<string> | undefined;

  constructor(options: SavgAuthTokenOptions) {
    if (!options.clientId) throw new Error('SavgAuthToken: clientId is required');
    if (!options.clientSecret) throw new Error('SavgAuthToken: clientSecret is required');
    this.#clientId = options.clientId;
    this.#key = secretKey(options.clientSecret);
    this.#ttlSeconds = options.ttlSeconds ?? 3600;
    this.#renewBeforeSeconds = options.renewBeforeSeconds ?? 300;
    this.#subject = options.subject ?? 'savg-bulk-dialer';
    this.#now = options.now ?? Date.now;
    if (this.#ttlSeconds <= 0) throw new Error('SavgAuthToken: ttlSeconds must be positive');
    if (this.#renewBeforeSeconds < 0 || this.#renewBeforeSeconds >= this.#ttlSeconds) {
      throw new Error('SavgAuthToken: renewBeforeSeconds must be in [0, ttlSeconds)');
    }
  }

  /** The current token; concurrent callers during a renewal share one signing promise. */
  async get(): Promise<string> {
    const cached = this.#cached;
    if (cached && this.#now() < cached.renewAtMs) return cached.token;
    this.#pending ??= this.#sign().finally(() => {
      this.#pending = undefined;
    });
    return this.#pending;
  }

  async #sign(): Promise<string> {
    const iat = Math.floor(this.#now() / 1000);
    const exp = iat + this.#ttlSeconds;
    const { SignJWT } = await loadJose();
    const token = await new SignJWT({ appId: this.#clientId })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(this.#subject)
      .setIssuedAt(iat)
      .setExpirationTime(exp)
      .setJti(randomUUID())
      .sign(this.#key);
    this.#cached = { token, renewAtMs: (exp - this.#renewBeforeSeconds) * 1000 };
    return token;
  }
}

export interface VerifySavgJwtOptions extends SavgCredentials {
  /** Clock in epoch milliseconds. @defaultValue Date.now */
  now?: () => number;
  /** Allowed clock skew. @defaultValue 5 */
  clockToleranceSeconds?: number;
}

function toAuthError(error: unknown, joseErrors: (typeof import('jose'))['errors']): SavgAuthError {
  if (error instanceof SavgAuthError) return error;
  if (error instanceof joseErrors.JWTExpired) return new SavgAuthError('expired', 'token expired');
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) {
    return new SavgAuthError('signature', 'signature verification failed');
  }
  if (error instanceof joseErrors.JOSEError) return new SavgAuthError('malformed', `invalid token (${error.code})`);
  return new SavgAuthError('malformed', 'invalid token');
}

/** Verifies a SAVG JWT the way the gateway would; throws {@link SavgAuthError}. */
export async function verifySavgJwt(token: string, options: VerifySavgJwtOptions): Promise<SavgJwtClaims> {
  if (!token) throw new SavgAuthError('missing', 'missing auth token');
  const { jwtVerify, errors } = await loadJose();
  try {
    const { payload } = await jwtVerify(token, secretKey(options.clientSecret), {
      algorithms: ['HS256'],
      currentDate: new Date((options.now ?? Date.now)()),
      clockTolerance: options.clockToleranceSeconds ?? 5,
    });
    if (payload['appId'] !== options.clientId) throw new SavgAuthError('app-id', 'appId does not match the client id');
    return pickClaims(payload as Record<string, unknown>, options.clientId);
  } catch (error) {
    throw toAuthError(error, errors);
  }
}

function pickClaims(payload: Record<string, unknown>, appId: string): SavgJwtClaims {
  const claims: SavgJwtClaims = { appId };
  if (typeof payload['sub'] === 'string') claims.sub = payload['sub'];
  if (typeof payload['jti'] === 'string') claims.jti = payload['jti'];
  if (typeof payload['iat'] === 'number') claims.iat = payload['iat'];
  if (typeof payload['exp'] === 'number') claims.exp = payload['exp'];
  return claims;
}
