// The dry run's off-heap set of contact ids agrees with a plain Set, through growth and collisions.
import { describe, it, expect } from '@jest/globals';
import fc from 'fast-check';
import { contactIdFor } from '@dialer/core';
import { ContactIdSet } from '../src/contact-id-set.js';

describe('ContactIdSet', () => {
  it('answers like a Set for contact ids, the all-zero id and anything else', () => {
    const id = fc.oneof(
      fc.integer({ min: 0, max: 300 }).map((i) => contactIdFor(`+1212${2_000_000 + i}`)),
      fc.constantFrom('AAAAAAAAAAAAAAAA', 'short', 'not/base64url+===', ''),
    );
    fc.assert(
      fc.property(fc.array(id, { maxLength: 600 }), (ids) => {
        const set = new ContactIdSet(4);
        const plain = new Set<string>();
        for (const x of ids) {
          expect(set.add(x)).toBe(!plain.has(x));
          plain.add(x);
        }
        expect(set.size).toBe(plain.size);
      }),
      { numRuns: 100 },
    );
  });
});
