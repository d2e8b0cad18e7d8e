// Every package declares what it imports: its sources in `dependencies` (the Docker image installs only those),
// its tests and test fixtures in `dependencies` or `devDependencies`. Jest maps @dialer/* to their sources and
// Node finds the root's packages from anywhere, so an undeclared import still runs; tsc and a clean install
// (pnpm links a package only what it declares) are what it breaks. No file reaches into another package by a
// relative path either: it imports the package by name.
import { describe, it, expect, afterAll } from '@jest/globals';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const PACKAGES = fileURLToPath(new URL('../../', import.meta.url));
const CODE_FILE = /\.[cm]?[jt]s$/;
const BUILTINS = new Set(builtinModules);

interface Manifest {
  name: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

/** `@scope/name/sub/path` → `@scope/name`, `name/sub` → `name`. */
function packageNameOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

function codeFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.name === 'node_modules' || entry.name === 'dist') return [];
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return codeFiles(path);
    return CODE_FILE.test(entry.name) ? [path] : [];
  });
}

/** Every module a file names: static and dynamic imports, re-exports, require() and `/// <reference types>`. */
function specifiersOf(file: string): string[] {
  const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  return [...info.importedFiles, ...info.typeReferenceDirectives].map((ref) => ref.fileName);
}

/**
 * What the package in `packageDir` (under `packagesDir`) imports without declaring it, one line per problem:
 * `specifier: why (the files)`. Sources (src/) may use `dependencies` only; everything else (tests, fixtures)
 * may use `devDependencies` too.
 */
function undeclaredImports(packageDir: string, packagesDir: string): string[] {
  const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as Manifest;
  const runtime = new Set(
    Object.keys({ ...manifest.dependencies, ...manifest.peerDependencies, ...manifest.optionalDependencies }),
  );
  const dev = new Set(Object.keys(manifest.devDependencies ?? {}));
  const problems = new Map<string, Set<string>>();
  const report = (problem: string, file: string) =>
    problems.set(problem, (problems.get(problem) ?? new Set()).add(file));
  for (const file of codeFiles(packageDir)) {
    const where = relative(packageDir, file);
    for (const specifier of specifiersOf(file)) {
      if (specifier.startsWith('.')) {
        const target = resolve(dirname(file), specifier);
        if (target.startsWith(packagesDir + sep) && !target.startsWith(packageDir + sep)) {
          report(`${specifier}: a relative path into another package (import it by name)`, where);
        }
        continue;
      }
      if (specifier.startsWith('node:') || BUILTINS.has(specifier)) continue;
      const name = packageNameOf(specifier);
      if (name === manifest.name || runtime.has(name)) continue;
      if (!dev.has(name)) report(`${name}: not declared in ${manifest.name}'s package.json`, where);
      else if (where.startsWith(`src${sep}`))
        report(`${name}: a devDependency of ${manifest.name}, imported by its sources`, where);
    }
  }
  return [...problems].map(([problem, files]) => `${problem} (${[...files].join(', ')})`);
}

describe('declared dependencies', () => {
  const packages = readdirSync(PACKAGES, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name);

  it('finds the workspace packages', () => {
    expect(packages).toEqual(expect.arrayContaining(['core', 'worker', 'ingester', 'test-utils']));
  });

  for (const name of packages) {
    it(`${name}: every import of its sources and tests is declared in its package.json`, () => {
      expect(undeclaredImports(join(PACKAGES, name), PACKAGES.replace(/[\\/]$/, ''))).toEqual([]);
    });
  }

  describe('the check itself', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dialer-declared-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    function write(path: string, text: string): void {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    }

    it('reports undeclared, dev-only-in-sources and cross-package relative imports, and nothing else', () => {
      write(
        'a/package.json',
        JSON.stringify({
          name: '@x/a',
          dependencies: { zod: '1' },
          devDependencies: { jose: '1', '@x/b': 'workspace:*' },
        }),
      );
      write('b/package.json', JSON.stringify({ name: '@x/b' }));
      write('b/src/index.ts', 'export const b = 1;\n');
      write(
        'a/src/index.ts',
        [
          "import { z } from 'zod';",
          "import { readFileSync } from 'node:fs';",
          "import path from 'path';",
          "import { jwtVerify } from 'jose';",
          "export { a } from '@x/a/sub';",
          "export const s = `require('not-an-import')`;",
        ].join('\n'),
      );
      write(
        'a/test/a.test.ts',
        [
          "import { jwtVerify } from 'jose';",
          "import type { b } from '@x/b';",
          "import { c } from '@x/c/deep/path';",
          "import { b as local } from '../../b/src/index.js';",
          "import { own } from '../src/index.js';",
          "const lazy = await import('got');",
          "const required = require('fastify');",
        ].join('\n'),
      );
      write('a/dist/index.js', "import 'never-read';\n");
      write('a/test/helpers.ts', "import got from 'got';\n");
      expect(undeclaredImports(join(dir, 'a'), dir).sort()).toEqual(
        [
          `jose: a devDependency of @x/a, imported by its sources (src${sep}index.ts)`,
          `@x/c: not declared in @x/a's package.json (test${sep}a.test.ts)`,
          `../../b/src/index.js: a relative path into another package (import it by name) (test${sep}a.test.ts)`,
          `got: not declared in @x/a's package.json (test${sep}a.test.ts, test${sep}helpers.ts)`,
          `fastify: not declared in @x/a's package.json (test${sep}a.test.ts)`,
        ].sort(),
      );
    });
  });
});
