import { describe, it, expect } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { ERROR_CODES } from '@dialer/core';

describe('error registry', () => {
  it('documents every code in docs/errors.md, and nothing else', () => {
    const doc = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
    const documented = [...doc.matchAll(/^\| `(DIALER_ERR_[A-Z_]+)` \|/gm)].map((m) => m[1]);
    expect(documented.sort()).toEqual(Object.keys(ERROR_CODES).sort());
  });
});
