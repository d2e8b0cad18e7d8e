import { describe, it, expect } from '@jest/globals';
import { SignJWT, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { SavgAuthError, SavgAuthToken, verifySavgJwt } from '../src/savg/auth-jwt.js';

const creds = { clientId: 'cs-test-client', clientSecret: 'test-secret-of-sufficient-length-123' };
const key = new TextEncoder().encode(creds.clientSecret);

async function rejection(promise: Promise<unknown>): Promise<SavgAuthError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof SavgAuthError) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}

describe('SavgAuthToken', () => {
  it('signs HS256 with appId, sub, iat, exp and jti', async () => {
    const token = await new SavgAuthToken({ ...creds, ttlSeconds: 600 }).get();
    expect(decodeProtectedHeader(token).alg).toBe('HS256');
    const { payload } = await jwtVerify(token, key, { algorithms: ['HS256'] });
    expect(payload['appId']).toBe(creds.clientId);
    expect(typeof payload.sub).toBe('string');
    expect(typeof payload.jti).toBe('string');
    expect(payload.exp! - payload.iat!).toBe(600);
  });

  it('reuses the cached token and shares one signing promise', async () => {
    const auth = new SavgAuthToken(creds);
    const concurrent = await Promise.all([auth.get(), auth.get(), auth.get()]);
    expect(new Set(concurrent).size).toBe(1);
    expect(await auth.get()).toBe(concurrent[0]);
  });

  it('renews before expiry on the injected clock', async () => {
    let nowMs = Date.UTC(2025, 0, 1, 12, 0, 0);
    const auth = new SavgAuthToken({ ...creds, ttlSeconds: 3600, renewBeforeSeconds: 300, now: () => nowMs });
    const first = await auth.get();
    nowMs += 3299_000;
    expect(await auth.get()).toBe(first);
    nowMs += 1_000;
    const second = await auth.get();
    expect(second).not.toBe(first);
    expect(decodeJwt(second).iat).toBe(Math.floor(nowMs / 1000));
    expect(decodeJwt(second).jti).not.toBe(decodeJwt(first).jti);
  });

  it('refuses nonsensical options', () => {
    expect(() => new SavgAuthToken({ ...creds, clientSecret: '' })).toThrow(/clientSecret/);
    expect(() => new SavgAuthToken({ ...creds, ttlSeconds: 60, renewBeforeSeconds: 60 })).toThrow(/renewBeforeSeconds/);
  });
});

describe('verifySavgJwt', () => {
  it('returns the claims of a valid token', async () => {
    const token = await new SavgAuthToken({ ...creds, subject: 'me' }).get();
    const claims = await verifySavgJwt(token, creds);
    expect(claims).toEqual(expect.objectContaining({ appId: creds.clientId, sub: 'me' }));
    expect(JSON.stringify(claims)).not.toContain(creds.clientSecret);
  });

  it('accepts a vendor-style token without exp or jti', async () => {
    const token = await new SignJWT({ appId: creds.clientId, sub: 'x' }).setProtectedHeader({ alg: 'HS256' }).sign(key);
    expect(await verifySavgJwt(token, creds)).toEqual({ appId: creds.clientId, sub: 'x' });
  });

  it('rejects a forged signature', async () => {
    const forged = await new SavgAuthToken({ ...creds, clientSecret: 'another-secret-entirely-000000' }).get();
    expect((await rejection(verifySavgJwt(forged, creds))).code).toBe('signature');
  });

  it('rejects a wrong appId', async () => {
    const token = await new SavgAuthToken({ ...creds, clientId: 'someone-else' }).get();
    expect((await rejection(verifySavgJwt(token, creds))).code).toBe('app-id');
  });

  it('rejects an expired token', async () => {
    const issuedAt = Date.UTC(2024, 0, 1);
    const token = await new SavgAuthToken({
      ...creds,
      ttlSeconds: 60,
      renewBeforeSeconds: 0,
      now: () => issuedAt,
    }).get();
    expect(await verifySavgJwt(token, { ...creds, now: () => issuedAt + 30_000 })).toBeTruthy();
    expect((await rejection(verifySavgJwt(token, { ...creds, now: () => issuedAt + 120_000 }))).code).toBe('expired');
  });

  it('rejects garbage and empty tokens', async () => {
    expect((await rejection(verifySavgJwt('not.a.jwt', creds))).code).toBe('malformed');
    expect((await rejection(verifySavgJwt('', creds))).code).toBe('missing');
  });

  it('rejects other algorithms', async () => {
    const token = await new SignJWT({ appId: creds.clientId }).setProtectedHeader({ alg: 'HS512' }).sign(key);
    expect((await rejection(verifySavgJwt(token, creds))).code).toBe('malformed');
  });
});
