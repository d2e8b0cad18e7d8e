import { describe, it, expect } from '@jest/globals';
import { SignJWT, decodeJwt } from 'jose';
import {
  createNotifyTokenSigner,
  createNotifyTokenVerifier,
  isDialerError,
  type AttemptRef,
  type NotifyTokenOptions,
} from '@dialer/core';

// The product's signer and verifier, as the worker and the ingester use them.
const signNotifyToken = async (r: AttemptRef, o: NotifyTokenOptions, nowMs = Date.now()) =>
  createNotifyTokenSigner(o).sign(r, nowMs);
const verifyNotifyToken = async (token: string, o: NotifyTokenOptions, nowMs = Date.now()) =>
  createNotifyTokenVerifier(o).verify(token, nowMs);

const opts = { secret: 'n'.repeat(40), audience: 'prod', ttlMs: 60_000 };
const ref: AttemptRef = { campaignId: 'spring', contactId: 'abcDEF123_-xyz01', attempt: 2 };

async function reason(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    if (isDialerError(err, 'DIALER_ERR_TOKEN')) return err.details?.reason;
    throw err;
  }
  throw new Error('expected the token to be refused');
}

describe('notify tokens', () => {
  it('round-trips campaign/contact/attempt', async () => {
    const token = await signNotifyToken(ref, opts);
    expect(await verifyNotifyToken(token, opts)).toEqual(ref);
    const claims = decodeJwt(token);
    expect(claims).toMatchObject({ c: 'spring', k: ref.contactId, n: 2, aud: 'prod' });
    expect(claims.exp! - claims.iat!).toBe(60);
  });

  it('refuses an expired token', async () => {
    const token = await signNotifyToken(ref, opts, Date.now() - 120_000);
    expect(await reason(verifyNotifyToken(token, opts))).toBe('expired');
  });

  it('refuses a forged token', async () => {
    const forged = await signNotifyToken(ref, { ...opts, secret: 'f'.repeat(40) });
    expect(await reason(verifyNotifyToken(forged, opts))).toBe('bad-signature');
    const token = await signNotifyToken(ref, opts);
    const [h, , s] = token.split('.');
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...decodeJwt(token), n: 3 })).toString('base64url')}.${s}`;
    expect(await reason(verifyNotifyToken(tampered, opts))).toBe('bad-signature');
  });

  it("refuses another deployment's token", async () => {
    const other = await signNotifyToken(ref, { ...opts, audience: 'staging' });
    expect(await reason(verifyNotifyToken(other, opts))).toBe('wrong-audience');
  });

  it('refuses garbage and tokens without our claims', async () => {
    expect(await reason(verifyNotifyToken('not-a-jwt', opts))).toBe('malformed');
    const noClaims = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('savg-dialer')
      .setAudience('prod')
      .setExpirationTime('1m')
      .sign(new TextEncoder().encode(opts.secret));
    expect(await reason(verifyNotifyToken(noClaims, opts))).toBe('malformed');
  });
});
