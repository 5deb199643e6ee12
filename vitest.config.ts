import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// One runner for the whole monorepo. Tests import each package's TypeScript source, @oko/shared
// included, so a change is tested without a rebuild. What runs outside the test process uses the
// build (npm test builds first): real service processes (kill -9, restart, full disk, e2e), the
// CLI's own process, and the plugin hosts' processes (their runtime is dist/plugin-runtime).
const source = (file: string) => fileURLToPath(new URL(file, import.meta.url));
const resolve = {
  alias: [
    // Every entry of the package (`@oko/shared`, `/archive`, `/server`): one copy of each module, so
    // an OkoError made in one entry is still an OkoError to the error handler of another.
    { find: /^@oko\/shared\/([a-z-]+)$/, replacement: `${source('./packages/shared/src')}/$1/index.ts` },
    { find: /^@oko\/shared$/, replacement: source('./packages/shared/src/index.ts') },
  ],
};

// Server-side test files build and close their own apps, processes and temp folders, and the one
// file that spies restores its mocks; so they share their worker's module cache instead of
// importing Fastify and the services again for every file (isolate: false).
// Each such file's tempDir folders are removed when it ends (test-support/cleanup-setup.ts).
const cleanup = [fileURLToPath(new URL('./test-support/cleanup-setup.ts', import.meta.url))];
const serverTests = { environment: 'node' as const, isolate: false, setupFiles: cleanup };

// Stores started by tests begin with an empty catalog; a test that wants the example plugins
// seeded says so (OKO_STORE_SEED=true). Services inherit this through process.env.
const serviceEnv = { OKO_STORE_SEED: 'false' };

export default defineConfig({
  test: {
    // Vitest's default (cores - 1) is one worker on a 2-core machine; much of a test's time is spent
    // waiting on child processes, plugin processes and timeouts, so two files share the cores well.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    projects: [
      {
        resolve,
        test: {
          name: 'shared',
          include: ['packages/shared/src/**/*.test.ts'],
          ...serverTests,
        },
      },
      {
        resolve,
        test: {
          name: 'store',
          env: serviceEnv,
          include: ['packages/store/src/**/*.test.ts', 'packages/store/test/**/*.test.ts'],
          ...serverTests,
          // As the backend's: some tests restart real store processes, which a loaded 2-core machine makes slow.
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        resolve,
        test: {
          name: 'backend',
          env: serviceEnv,
          include: ['packages/backend/src/**/*.test.ts', 'packages/backend/test/**/*.test.ts'],
          ...serverTests,
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        resolve,
        test: {
          name: 'cli',
          include: ['packages/cli/src/**/*.test.ts', 'packages/cli/test/**/*.test.ts'],
          ...serverTests,
          testTimeout: 30_000,
        },
      },
      {
        resolve,
        test: {
          name: 'examples',
          include: ['examples/plugins/*/test/**/*.test.ts', 'examples/plugins/*/*.test.ts'],
          ...serverTests,
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        // The repository's own scripts (scripts/): the launcher's build check.
        resolve,
        test: { name: 'scripts', include: ['scripts/**/*.test.ts'], ...serverTests },
      },
      'packages/frontend/vitest.config.ts',
      {
        resolve,
        test: {
          name: 'e2e',
          env: serviceEnv,
          include: ['e2e/**/*.test.ts'],
          environment: 'node',
          setupFiles: cleanup,
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
