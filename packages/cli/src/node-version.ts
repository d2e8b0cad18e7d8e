import { readFileSync } from 'node:fs';

/**
 * The Node version check of `dialer demo`: on an older Node the demo's processes fail with errors that do not
 * say why (bson 7 and node:crypto's hash() need 20.19). The required version is this package's engines.node
 * (every package.json has the same; a test keeps them in step). Imports nothing of the dialer, so it runs
 * before anything that needs the newer Node is loaded. `npm run demo` has the same check in
 * scripts/node-version.mjs, made before it installs or builds.
 */
export function requiredNode(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    engines?: { node?: unknown };
  };
  const range = pkg.engines?.node;
  if (typeof range !== 'string') throw new Error('packages/cli/package.json has no engines.node');
  return range;
}

/** [major, minor, patch] of "20.19", "v20.18.1", ">=20.19"; undefined when there is no version in it. */
function parse(version: string): [number, number, number] | undefined {
  const m = /^\s*(?:>=\s*)?v?(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(version);
  return m ? [Number(m[1]), Number(m[2] ?? 0), Number(m[3] ?? 0)] : undefined;
}

/**
 * Why Node `running` (process.versions.node) is older than `required` (an engines range, ">=20.19"), naming
 * the required version; undefined when it is recent enough (or either is not a version: then Node decides).
 */
export function nodeVersionProblem(running: string, required: string = requiredNode()): string | undefined {
  const have = parse(running);
  const need = parse(required);
  if (!have || !need) return undefined;
  for (let i = 0; i < 3; i++) {
    if (have[i]! > need[i]!) return undefined;
    if (have[i]! < need[i]!) {
      const wanted = required.replace(/^\s*>=\s*/, '').trim();
      return `Node ${running} is too old: the dialer needs Node ${wanted} or newer (engines.node "${required}" in package.json); install a newer Node from https://nodejs.org`;
    }
  }
  return undefined;
}
