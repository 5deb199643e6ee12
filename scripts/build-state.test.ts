import { mkdir, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { removeDir, tempDir } from '../test-support/fixtures.js';
import { PACKAGES, buildState } from './build-state.mjs';

// A repository laid out as the real one, with every source an hour old and every build output
// written a minute ago: what a finished `npm run build` leaves.
let root: string;
const hourAgo = new Date(Date.now() - 3_600_000);
const minuteAgo = new Date(Date.now() - 60_000);

async function file(relative: string, time: Date): Promise<void> {
  const full = path.join(root, relative);
  await mkdir(path.dirname(full), { recursive: true });
  await writeFile(full, relative);
  await utimes(full, time, time);
}

async function age(relative: string, time: Date): Promise<void> {
  await utimes(path.join(root, relative), time, time);
}

beforeEach(async () => {
  root = await tempDir('build-state');
  await file('package.json', hourAgo);
  await file('tsconfig.base.json', hourAgo);
  for (const pkg of PACKAGES) {
    for (const source of pkg.sources) {
      if (source.endsWith('/src') || source.endsWith('/public') || source.endsWith('/build')) {
        await file(`${source}/index.ts`, hourAgo);
        await age(source, hourAgo);
      } else {
        await file(source, hourAgo);
      }
    }
    for (const output of pkg.outputs) {
      await file(`${output}/index.js`, minuteAgo);
      await age(output, minuteAgo);
    }
    await file(pkg.mark, minuteAgo);
  }
});

afterEach(async () => {
  await removeDir(root);
});

describe('build state', () => {
  it('is current right after a build', () => {
    expect(buildState(root)).toEqual({ current: true });
  });

  it('needs a build when a source file is touched after the build', async () => {
    await age('packages/backend/src/index.ts', new Date());
    expect(buildState(root)).toEqual({ current: false, reason: 'backend changed since its last build' });
  });

  it('needs a build when a file is added to a source folder', async () => {
    await file('packages/frontend/src/components/New.vue', new Date());
    expect(buildState(root)).toMatchObject({ current: false, reason: 'frontend changed since its last build' });
  });

  it('needs a build when the frontend page, its vite config or a shared tsconfig changed', async () => {
    await age('packages/frontend/vite.config.ts', new Date());
    expect(buildState(root)).toMatchObject({ current: false, reason: 'frontend changed since its last build' });
    await age('packages/frontend/vite.config.ts', hourAgo);
    await age('tsconfig.base.json', new Date());
    expect(buildState(root)).toMatchObject({ current: false });
  });

  it('ignores a changed test file, which the build does not compile', async () => {
    await file('packages/store/src/catalog.test.ts', hourAgo);
    await age('packages/store/src', hourAgo);
    await age('packages/store/src/catalog.test.ts', new Date());
    expect(buildState(root)).toEqual({ current: true });
  });

  it('needs a build when an output is missing', async () => {
    await removeDir(path.join(root, 'packages/cli/dist'));
    expect(buildState(root)).toEqual({ current: false, reason: 'packages/cli/dist is missing' });
  });

  it('needs a build when the tsbuildinfo of a package is missing', async () => {
    await removeDir(path.join(root, 'packages/shared/tsconfig.tsbuildinfo'));
    expect(buildState(root)).toEqual({ current: false, reason: 'packages/shared/tsconfig.tsbuildinfo is missing' });
  });
});
