import { defineConfig } from 'vitest/config';

// One runner for the whole monorepo. Each package's tests run against built code (npm test builds first).

// Stores started by tests begin with an empty catalog; a test that wants the example plugins
// seeded says so (OKO_STORE_SEED=true). Services inherit this through process.env.
const serviceEnv = { OKO_STORE_SEED: 'false' };

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'shared',
          include: ['packages/shared/src/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'store',
          env: serviceEnv,
          include: ['packages/store/src/**/*.test.ts', 'packages/store/test/**/*.test.ts'],
          environment: 'node',
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'backend',
          env: serviceEnv,
          include: ['packages/backend/src/**/*.test.ts', 'packages/backend/test/**/*.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'cli',
          include: ['packages/cli/src/**/*.test.ts', 'packages/cli/test/**/*.test.ts'],
          environment: 'node',
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'examples',
          include: ['examples/plugins/*/test/**/*.test.ts', 'examples/plugins/*/*.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      'packages/frontend/vitest.config.ts',
      {
        test: {
          name: 'e2e',
          env: serviceEnv,
          include: ['e2e/**/*.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
