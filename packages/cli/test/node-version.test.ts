// The Node version the dialer needs (bson 7 and node:crypto's hash() need 20.19): every package.json says it,
// and both demo entry points (`npm run demo` and `dialer demo`) stop on an older Node with a message naming it.
import { describe, it, expect } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { nodeVersionProblem, requiredNode } from '../src/node-version.js';
import { nodeVersionProblem as scriptNodeVersionProblem } from '../../../scripts/node-version.mjs';

const REQUIRED = '>=20.19';
const root = new URL('../../../', import.meta.url);

function enginesNode(file: URL): unknown {
  return (JSON.parse(readFileSync(file, 'utf8')) as { engines?: { node?: unknown } }).engines?.node;
}

describe('required Node version', () => {
  it(`is ${REQUIRED} in the root package.json and every package's`, () => {
    const files = [
      new URL('package.json', root),
      ...readdirSync(new URL('packages/', root), { withFileTypes: true })
        .filter((d) => d.isDirectory())
        .map((d) => new URL(`packages/${d.name}/package.json`, root)),
    ];
    expect(files.length).toBeGreaterThan(5);
    for (const file of files)
      expect({ file: file.pathname, node: enginesNode(file) }).toEqual({ file: file.pathname, node: REQUIRED });
    expect(requiredNode()).toBe(REQUIRED);
  });

  const checks: [name: string, check: (running: string, required: string) => string | undefined][] = [
    ['dialer demo (packages/cli/src/node-version.ts)', nodeVersionProblem],
    ['npm run demo (scripts/node-version.mjs)', scriptNodeVersionProblem],
  ];

  for (const [name, check] of checks) {
    it(`${name}: refuses an older Node with a message naming the required version`, () => {
      for (const old of ['20.18.3', 'v20.18.0', '20.9.0', '18.20.4', '16.0.0']) {
        const problem = check(old, REQUIRED);
        expect(problem).toContain(`Node ${old} is too old`);
        expect(problem).toContain('needs Node 20.19 or newer');
      }
    });

    it(`${name}: accepts 20.19 and anything newer`, () => {
      for (const ok of ['20.19.0', 'v20.19.5', '20.20.0', '21.0.0', '22.12.0', '24.1.0'])
        expect(check(ok, REQUIRED)).toBeUndefined();
    });
  }

  it('checks the running Node the same way (this test runs on a Node the dialer supports)', () => {
    expect(nodeVersionProblem(process.versions.node)).toBeUndefined();
  });
});
