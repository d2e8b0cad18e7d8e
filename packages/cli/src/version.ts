import { readFileSync } from 'node:fs';

/**
 * The product's version: the `version` of the repository's root package.json (savg-bulk-dialer), the one
 * release number. The workspace packages' own versions are not read. The Docker image keeps that file
 * (/app/package.json), and it is read only when asked for, so no other command depends on it.
 */
export function productVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
    version?: unknown;
  };
  if (typeof pkg.version !== 'string') throw new Error('the root package.json has no version');
  return pkg.version;
}
