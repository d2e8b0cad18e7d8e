import { describe, it, expect } from '@jest/globals';
import { createNotifyTokenSigner } from '@dialer/core';
import { joseSign as signNotifyToken, joseVerify as verifyNotifyToken } from './jose-reference.js';

const opts = { secret: 'notify-token-secret-0123456789abcdef-é✓', audience: 'deployment-a', ttlMs: 86_400_500 };

describe('createNotifyTokenSigner', () => {
  it('issues exactly the token jose issues for the same claims, which jose accepts', async () => {
    const signer = createNotifyTokenSigner(opts);
    const refs = [
      { campaignId: 'c1', contactId: 'XP9j20OOgswF67V0', attempt: 1 },
      { campaignId: 'spring_sale-2', contactId: 'a-b_c', attempt: 17 },
    ];
    for (const ref of refs) {
      for (const now of [1_800_000_000_000, 1_800_000_000_999, Date.now()]) {
        const token = signer.sign(ref, now);
        expect(token).toBe(await signNotifyToken(ref, opts, now));
        expect(await verifyNotifyToken(token, opts, now)).toEqual(ref);
      }
    }
  });
});
