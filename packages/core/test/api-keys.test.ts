// The HTTP API's key store on the private Redis: keys are random and shown once, stored as their SHA-256 only,
// names are unique, a revoked key stops verifying at once.
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { createHash } from 'node:crypto';
import { ApiKeyStore, isDialerError } from '@dialer/core';
import { testContext, type TestContext } from '@dialer/test-utils';

let ctx: TestContext;
let store: ApiKeyStore;
let now = Date.parse('2026-12-01T10:00:00Z');

beforeAll(() => {
  ctx = testContext();
  store = new ApiKeyStore(ctx.redis, ctx.keys, () => now);
});
afterAll(async () => ctx?.close());

const code = async (p: Promise<unknown>) =>
  p.then(
    () => 'resolved',
    (err: unknown) => (isDialerError(err) ? err.code : err),
  );

describe('ApiKeyStore', () => {
  it('creates distinct high-entropy keys and keeps only their hashes', async () => {
    const a = await store.create('alpha');
    const b = await store.create('beta');
    expect(a.key).toMatch(/^dk_[A-Za-z0-9_-]{43}$/);
    expect(a.key).not.toBe(b.key);
    expect(a).toMatchObject({
      name: 'alpha',
      id: expect.stringMatching(/^key-/),
      createdAt: '2026-12-01T10:00:00.000Z',
    });
    const stored = await ctx.redis.hgetall(ctx.keys.apiKeys());
    expect(Object.keys(stored)).toContain(createHash('sha256').update(a.key).digest('hex'));
    expect(JSON.stringify(stored)).not.toContain(a.key.slice(3));
  });

  it('verifies a live key and records its use (at most once a minute)', async () => {
    const { key } = await store.create('gamma');
    expect(await store.verify(key)).toMatchObject({ name: 'gamma', lastUsedAt: null });
    now += 1000;
    expect(await store.verify(key)).toMatchObject({ lastUsedAt: '2026-12-01T10:00:00.000Z' });
    expect((await store.list()).find((k) => k.name === 'gamma')?.lastUsedAt).toBe('2026-12-01T10:00:00.000Z');
    expect(await store.verify(`${key}x`)).toBeUndefined();
    expect(await store.verify('not-a-key')).toBeUndefined();
  });

  it('refuses a taken or malformed name, and revokes by name or id', async () => {
    expect(await code(store.create('alpha'))).toBe('DIALER_ERR_API_KEY');
    expect(await code(store.create('no spaces'))).toBe('DIALER_ERR_API_KEY');
    const d = await store.create('delta');
    const e = await store.create('epsilon');
    await store.revoke('delta');
    await store.revoke(e.id);
    expect(await store.verify(d.key)).toBeUndefined();
    expect(await store.verify(e.key)).toBeUndefined();
    expect((await store.list()).map((k) => k.name)).toEqual(['alpha', 'beta', 'gamma']);
    expect(await code(store.revoke('delta'))).toBe('DIALER_ERR_API_KEY');
    // The name is free again.
    expect((await store.create('delta')).name).toBe('delta');
  });

  it('lists ids, names and dates, never a key or a hash', async () => {
    for (const k of await store.list())
      expect(Object.keys(k).sort()).toEqual(['createdAt', 'id', 'lastUsedAt', 'name']);
  });
});
