// Jest runs the TypeScript ESM sources and tests directly through @swc/jest, which strips types; `pnpm typecheck`
// (tsc -b over every package's tsconfig.json and tsconfig.test.json) type-checks them.
import { createRequire } from 'node:module';

// libphonenumber-js's ESM build imports its metadata JSON without an import attribute, which Jest warns
// about in every test file; its CommonJS build (what require() resolves) is the same code without the warning.
const libphonenumberMax = createRequire(new URL('./packages/core/package.json', import.meta.url)).resolve(
  'libphonenumber-js/max',
);

/** @type {import('jest').Config} */
export default {
  testEnvironment: 'node',
  roots: ['<rootDir>/packages'],
  testMatch: ['**/test/**/*.test.ts'],
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
        module: { type: 'es6' },
      },
    ],
  },
  moduleNameMapper: {
    '^libphonenumber-js/max$': libphonenumberMax,
    '^@dialer/([a-z-]+)$': '<rootDir>/packages/$1/src/index.ts',
    // Subpath exports (e.g. @dialer/core/metrics-app): one source file each.
    '^@dialer/([a-z-]+)/([a-z-]+)$': '<rootDir>/packages/$1/src/$2.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  globalSetup: '<rootDir>/packages/test-utils/jest-global-setup.js',
  globalTeardown: '<rootDir>/packages/test-utils/jest-global-teardown.js',
  testTimeout: 60_000,
  maxWorkers: 2,
};
