// The synchronous verifier must agree with jose's verification on every token: accepted ones name the
// same attempt, refused ones give the same reason.
import { createHmac } from 'node:crypto';
import { describe, it, expect } from '@jest/globals';
import { SignJWT, decodeJwt, decodeProtectedHeader } from 'jose';
import { createNotifyTokenVerifier, isDialerError, type AttemptRef } from '@dialer/core';
import { joseSign as signNotifyToken, joseVerify as verifyNotifyToken } from './jose-reference.js';

const opts = { secret: 'n'.repeat(40), audience: 'prod', ttlMs: 60_000 };
const ref: AttemptRef = { campaignId: 'spring', contactId: 'abcDEF123_-xyz01', attempt: 2 };
const NOW = Date.now();
const fast = createNotifyTokenVerifier(opts);

type Verdict = { ok: AttemptRef } | { reason: unknown };

async function reference(token: string, nowMs: number): Promise<Verdict> {
  try {
    return { ok: await verifyNotifyToken(token, opts, nowMs) };
  } catch (err) {
    if (isDialerError(err, 'DIALER_ERR_TOKEN')) return { reason: err.details?.reason };
    throw err;
  }
}

function quick(token: string, nowMs: number): Verdict {
  try {
    return { ok: fast.verify(token, nowMs) };
  } catch (err) {
    if (isDialerError(err, 'DIALER_ERR_TOKEN')) return { reason: err.details?.reason };
    throw err;
  }
}

const key = new TextEncoder().encode(opts.secret);
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

function sign(claims: Record<string, unknown>, header: Record<string, unknown> = { alg: 'HS256' }): Promise<string> {
  return new SignJWT(claims).setProtectedHeader(header as { alg: string }).sign(key);
}

/** Signs any header (jose's SignJWT refuses some of the ones worth testing). */
function signRaw(header: Record<string, unknown>, claims: Record<string, unknown>): string {
  const input = `${b64(header)}.${b64(claims)}`;
  return `${input}.${createHmac('sha256', key).update(input).digest('base64url')}`;
}

async function cases(): Promise<[string, string, number][]> {
  const good = await signNotifyToken(ref, opts, NOW);
  const [h, p, s] = good.split('.') as [string, string, string];
  const claims = decodeJwt(good);
  const iat = Math.floor(NOW / 1000);
  const base = {
    c: ref.campaignId,
    k: ref.contactId,
    n: ref.attempt,
    iss: 'savg-dialer',
    aud: 'prod',
    iat,
    exp: iat + 60,
  };
  return [
    ['valid', good, NOW],
    ['valid just before expiry', good, (iat + 59) * 1000 + 999],
    ['expired at exp', good, (iat + 60) * 1000],
    ['expired long ago', good, NOW + 3_600_000],
    ['other secret', await signNotifyToken(ref, { ...opts, secret: 'f'.repeat(40) }, NOW), NOW],
    ['other audience', await signNotifyToken(ref, { ...opts, audience: 'staging' }, NOW), NOW],
    ['tampered claims', `${h}.${b64({ ...claims, n: 3 })}.${s}`, NOW],
    ['truncated signature', `${h}.${p}.${s.slice(0, -2)}`, NOW],
    ['no signature', `${h}.${p}.`, NOW],
    ['alg none', `${b64({ alg: 'none' })}.${p}.`, NOW],
    ['alg HS512', await sign(base, { alg: 'HS512' }), NOW],
    ['crit header', signRaw({ alg: 'HS256', crit: ['x'], x: 1 }, base), NOW],
    ['typ header', signRaw({ alg: 'HS256', typ: 'JWT' }, base), NOW],
    ['two parts', `${h}.${p}`, NOW],
    ['garbage', 'not-a-jwt', NOW],
    ['empty', '', NOW],
    ['audience array', await sign({ ...base, aud: ['x', 'prod'] }), NOW],
    ['wrong issuer', await sign({ ...base, iss: 'someone' }), NOW],
    ['no issuer', await sign({ ...base, iss: undefined }), NOW],
    ['no audience', await sign({ ...base, aud: undefined }), NOW],
    ['wrong audience and expired', await sign({ ...base, aud: 'x', exp: iat - 10 }), NOW],
    ['iat not a number', await sign({ ...base, iat: 'soon' }), NOW],
    ['not yet valid', await sign({ ...base, nbf: iat + 30 }), NOW],
    ['exp not a number', await sign({ ...base, exp: 'later' }), NOW],
    ['attempt 0', await sign({ ...base, n: 0 }), NOW],
    ['attempt as string', await sign({ ...base, n: '2' }), NOW],
    ['no contact', await sign({ ...base, k: undefined }), NOW],
    ['payload not an object', `${h}.${Buffer.from('[1,2]').toString('base64url')}.${s}`, NOW],
  ];
}

describe('createNotifyTokenVerifier', () => {
  it('accepts what jose issues', async () => {
    const token = await signNotifyToken(ref, opts);
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'HS256' });
    expect(fast.verify(token)).toEqual(ref);
  });

  it('agrees with jose on every case', async () => {
    for (const [name, token, now] of await cases()) {
      const expected = await reference(token, now);
      expect({ name, verdict: quick(token, now) }).toEqual({ name, verdict: expected });
    }
  });

  it('agrees on randomly corrupted tokens', async () => {
    const good = await signNotifyToken(ref, opts, NOW);
    let seed = 7;
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.';
    for (let i = 0; i < 300; i++) {
      const at = Math.floor(random() * good.length);
      const corrupted = good.slice(0, at) + alphabet[Math.floor(random() * alphabet.length)] + good.slice(at + 1);
      const expected = await reference(corrupted, NOW);
      expect({ corrupted, verdict: quick(corrupted, NOW) }).toEqual({ corrupted, verdict: expected });
    }
  });
});
