// Whether `npm run build` has work to do, from file times alone: `npm start`, `start:store` and
// `start:backend` skip the build (a minute on a small machine) when nothing changed since the last one.
// Each package is judged on its own sources against its own build output; when one is stale the whole
// build runs, and tsc -b and vite then bring along what depends on it.
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

/**
 * What each package is built from, what its build leaves (`outputs`, which must exist) and the file
 * every build of it rewrites (`mark`: tsc -b its tsbuildinfo, vite its dist/index.html).
 */
export const PACKAGES = [
  ...['shared', 'store', 'backend', 'cli'].map((name) => ({
    name,
    sources: [`packages/${name}/src`, `packages/${name}/tsconfig.json`, `packages/${name}/package.json`],
    outputs: [`packages/${name}/dist`],
    mark: `packages/${name}/tsconfig.tsbuildinfo`,
  })),
  {
    name: 'frontend',
    sources: [
      'packages/frontend/src',
      'packages/frontend/public',
      'packages/frontend/index.html',
      'packages/frontend/vite.config.ts',
      'packages/frontend/build',
      'packages/frontend/tsconfig.json',
      'packages/frontend/package.json',
    ],
    outputs: ['packages/frontend/dist/assets'],
    mark: 'packages/frontend/dist/index.html',
  },
];
/** Settings every package is compiled with (the root package.json is not: tsc -b would not rebuild for it). */
const SHARED_SOURCES = ['tsconfig.base.json'];

/** The newest modification time under `target` (a file or a folder), 0 when it does not exist. */
export function newestMtime(target) {
  let info;
  try {
    info = statSync(target);
  } catch {
    return 0;
  }
  if (!info.isDirectory()) return target.endsWith('.test.ts') ? 0 : info.mtimeMs; // tests are not built
  let newest = info.mtimeMs; // a deleted file shows only as a newer folder
  for (const entry of readdirSync(target)) newest = Math.max(newest, newestMtime(path.join(target, entry)));
  return newest;
}

/** The modification time of a build mark, or null when it is missing. */
function markTime(file) {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return null;
  }
}

/**
 * Answers `{ current: true }` when every package's build output exists and is newer than each of its
 * sources, else `{ current: false, reason }` naming the first package that needs a build and why.
 * @param {string} root the repository root
 */
export function buildState(root) {
  const at = (p) => path.join(root, p);
  const shared = Math.max(...SHARED_SOURCES.map((p) => newestMtime(at(p))));
  for (const pkg of PACKAGES) {
    const missing = [...pkg.outputs, pkg.mark].find((p) => markTime(at(p)) === null);
    if (missing) return { current: false, reason: `${missing} is missing` };
    const built = /** @type {number} */ (markTime(at(pkg.mark)));
    const changed = Math.max(shared, ...pkg.sources.map((p) => newestMtime(at(p))));
    if (changed > built) return { current: false, reason: `${pkg.name} changed since its last build` };
  }
  return { current: true };
}
