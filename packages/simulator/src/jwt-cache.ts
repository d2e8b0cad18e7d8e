/**
 * Verifies dial-out JWTs with a small cache: clients reuse one token for an hour, and re-running HMAC
 * verification for every one of thousands of requests per second would dominate the hot path.
 */
import { SavgAuthError, verifySavgJwt, type SavgCredentials, type SavgJwtClaims } from '@dialer/core';

const MAX_CACHED = 1024;

export class CachedJwtVerifier {
  readonly #credentials: SavgCredentials;
  readonly #cache = new Map<string, SavgJwtClaims>();

  constructor(credentials: SavgCredentials) {
    this.#credentials = { clientId: credentials.clientId, clientSecret: credentials.clientSecret };
  }

  /** The verified claims (shared between requests carrying the same token); throws {@link SavgAuthError}. */
  async verify(header: string | string[] | undefined): Promise<SavgJwtClaims> {
    if (typeof header !== 'string' || header === '') throw new SavgAuthError('missing', 'missing auth header');
    const cached = this.#cache.get(header);
    if (cached && (cached.exp === undefined || cached.exp * 1000 > Date.now())) return cached;
    this.#cache.delete(header);
    const claims = await verifySavgJwt(header, this.#credentials);
    // Crude bound: a flood of distinct tokens only costs re-verification, never memory.
    if (this.#cache.size >= MAX_CACHED) this.#cache.clear();
    this.#cache.set(header, claims);
    return claims;
  }
}
