import { describe, it, expect } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ERROR_CODES } from '@dialer/core';

const PACKAGES = fileURLToPath(new URL('../../', import.meta.url));
const REGISTRY = join(PACKAGES, 'core', 'src', 'errors.ts');

/** Every TypeScript source file under packages/<name>/src. */
function sourceFiles(): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts')) files.push(path);
    }
  };
  for (const pkg of readdirSync(PACKAGES, { withFileTypes: true })) {
    if (pkg.isDirectory() && readdirSync(join(PACKAGES, pkg.name)).includes('src'))
      walk(join(PACKAGES, pkg.name, 'src'));
  }
  return files;
}

/**
 * Codes some source raises: `new DialerError('CODE', …)` (directly or in a helper), or `….code = 'CODE'` on
 * an error another library throws for us (the webhook's JSON parser). A check (`isDialerError(err, 'CODE')`,
 * `code === 'CODE'`) or a comment naming a code does not count.
 */
function raisedCodes(): Map<string, string[]> {
  const raised = new Map<string, string[]>();
  for (const file of sourceFiles()) {
    if (file === REGISTRY) continue;
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/new DialerError\(\s*'(DIALER_ERR_[A-Z_]+)'|\.code\s*=\s*'(DIALER_ERR_[A-Z_]+)'/g)) {
      const code = (m[1] ?? m[2])!;
      raised.set(code, [...(raised.get(code) ?? []), file.slice(PACKAGES.length)]);
    }
  }
  return raised;
}

describe('error registry', () => {
  const doc = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
  const rows = [...doc.matchAll(/^\| `(DIALER_ERR_[A-Z_]+)` \| (.*) \|$/gm)];

  it('documents every code in docs/errors.md, and nothing else', () => {
    expect(rows.map((m) => m[1]).sort()).toEqual(Object.keys(ERROR_CODES).sort());
  });

  it('says the same of each code in the registry and in docs/errors.md', () => {
    expect(Object.fromEntries(rows.map((m) => [m[1], m[2]]))).toEqual(ERROR_CODES);
  });

  it('registers only codes some source raises, and every code raised is registered', () => {
    const raised = raisedCodes();
    expect(raised.size).toBeGreaterThan(5); // the scan found the sources
    expect(Object.keys(ERROR_CODES).filter((code) => !raised.has(code))).toEqual([]);
    expect([...raised.keys()].filter((code) => !(code in ERROR_CODES))).toEqual([]);
  });
});
