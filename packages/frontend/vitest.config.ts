import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import vue from '@vitejs/plugin-vue';

// Tests use @oko/shared's TypeScript source, as the server projects do, so they never see a stale build.
const shared = (file: string) => fileURLToPath(new URL(`../shared/src/${file}`, import.meta.url));

export default defineConfig({
  plugins: [vue()],
  resolve: {
    alias: [
      { find: /^@oko\/shared\/([a-z-]+)$/, replacement: shared('$1/index.ts') },
      { find: /^@oko\/shared$/, replacement: shared('index.ts') },
    ],
  },
  test: {
    name: 'frontend',
    root: import.meta.dirname,
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    environment: 'happy-dom',
    setupFiles: ['test/setup-session.ts'],
  },
});
