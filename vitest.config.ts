import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

// graphql 16 ships CJS (main) and ESM (module) copies. Node loads the CJS one for dependencies such as
// type-graphql; Vite would give our sources the ESM one, and two copies of graphql refuse to mix.
const graphqlMain = createRequire(import.meta.url).resolve('graphql', { paths: ['packages/server'] });

/** One command runs every test: server unit + integration (SQLite and MariaDB), web components, browser. */
export default defineConfig({
  test: {
    // At least two test files at a time, even on 2 cores (Vitest's default there is one): the integration tests spend
    // most of their time waiting on MariaDB, HTTP servers and timers, and CI's suite finishes about a third sooner.
    // The browser tests still run one file at a time (fileParallelism: false below).
    maxWorkers: Math.max(2, availableParallelism() - 1),
    projects: [
      {
        resolve: { alias: [{ find: /^graphql$/, replacement: graphqlMain }] },
        test: {
          name: 'server',
          root: 'packages/server',
          include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
          environment: 'node',
          setupFiles: ['test/setup.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      'packages/web',
      {
        test: {
          name: 'e2e',
          root: 'e2e',
          include: ['**/*.test.ts'],
          environment: 'node',
          testTimeout: 90_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
