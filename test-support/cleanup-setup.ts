// Set up before every server-side and e2e test file (vitest.config.ts, setupFiles): the folders
// the file made with tempDir go when it ends. Hooks registered here run after the file's own
// afterAll hooks (vitest runs after-hooks in reverse order), so its processes are stopped first.
import { afterAll } from 'vitest';
import { removeTempDirs } from './fixtures.js';

afterAll(removeTempDirs);
