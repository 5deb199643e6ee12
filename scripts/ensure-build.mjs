// `npm start`, `start:store` and `start:backend` run this first: `npm run build` only when a source is
// newer than its build (scripts/build-state.mjs), so a second start is immediate.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { buildState } from './build-state.mjs';

const root = path.resolve(import.meta.dirname, '..');
const state = buildState(root);
if (state.current) {
  console.log('[build] build is current');
} else {
  console.log(`[build] building: ${state.reason}`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const build = spawnSync(npm, ['run', 'build'], { cwd: root, stdio: 'inherit' });
  process.exitCode = build.status ?? 1;
}
