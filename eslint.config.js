// ESLint: typescript-eslint's type-checked rules over every package's sources and tests (Prettier owns the layout).
// Type-aware: the tests import other packages by name, resolved to their built declarations, so run it after
// `pnpm typecheck` (`pnpm test` does).
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig(
  globalIgnores(['**/dist/', '**/node_modules/', 'coverage/']),
  {
    linterOptions: { reportUnusedDisableDirectives: 'error' },
  },
  {
    // Plain JavaScript (scripts, Jest's config and global setup): no type information.
    files: ['**/*.{js,mjs}'],
    extends: [js.configs.recommended],
    languageOptions: { globals: globals.node },
  },
  {
    files: ['**/*.{ts,mts}'],
    extends: [js.configs.recommended, tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: {
        // Not projectService: it finds only tsconfig.json files, and the tests are in tsconfig.test.json.
        project: ['packages/*/tsconfig.json', 'packages/*/tsconfig.test.json'],
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      // A promise nobody awaits loses its rejection (an unhandled rejection ends the process). `void p` stays
      // the way to say "fire and forget" (ignoreVoid): each one must handle its own errors.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      // `return promise` inside try skips the catch (and runs finally too early) when it rejects; elsewhere either.
      '@typescript-eslint/return-await': ['error', 'error-handling-correctness-only'],
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      // Passing on a caught `unknown` (work.then(ok, reject)) is how errors travel; new rejections are Errors.
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingUnknown: true }],
      // tsc (noUnusedLocals/Parameters) already refuses unused names; `_x` and `{ x: _, ...rest }` mean "left out".
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],

      // Off: the code marks indexed and destructured reads it knows are present (`xs[0]!`, `row[i] as string`)
      // as if noUncheckedIndexedAccess were on; with it off the rule calls those marks unnecessary and would
      // strip ~280 of them, losing what they say for no safety gain.
      '@typescript-eslint/no-unnecessary-type-assertion': 'off',
      // Off: `async` without `await` is deliberate here: Fastify handlers that return their reply, stubs and
      // implementations of Promise-returning interfaces (a synchronous throw becomes a rejection, as callers expect).
      '@typescript-eslint/require-await': 'off',
      // Off: every hit was String() of a value that came in as `unknown` (URL params, JSON bodies, error causes,
      // defaults), narrowed to `{}` by `??` or a null check, where turning it into text is the point. Objects in
      // template literals and `+` stay caught by restrict-template-expressions and restrict-plus-operands.
      '@typescript-eslint/no-base-to-string': 'off',
    },
  },
);
