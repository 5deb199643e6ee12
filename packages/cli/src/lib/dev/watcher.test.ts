import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventually } from '../../../../../test-support/eventually.js';
import { watchFolder, type FolderWatcher } from './watcher.js';

// The watcher itself, on this machine's file system: each test makes a change and waits for it to
// be heard (and, for what must not be heard, makes a change that must be heard after it).
describe('watchFolder', () => {
  let dir: string;
  let heard: Array<string | null>;
  let watcher: FolderWatcher;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'oko-dev-watch-'));
    await mkdir(path.join(dir, 'src'));
    await mkdir(path.join(dir, 'node_modules/dep'), { recursive: true });
    await writeFile(path.join(dir, 'src/index.ts'), 'one');
    heard = [];
    watcher = watchFolder(
      dir,
      (rel) => heard.push(rel),
      (error) => heard.push(`error: ${error.message}`),
    );
    // The folder watches are set up asynchronously: wait until a write at the deepest level is heard.
    await eventually(async () => {
      await writeFile(path.join(dir, 'src/probe'), String(Date.now()));
      return heard.includes('src/probe');
    }, Boolean);
    heard = [];
  });
  afterEach(async () => {
    watcher.close();
    await rm(dir, { recursive: true, force: true });
  });

  const heardOf = (rel: string) =>
    eventually(
      () => heard,
      (list) => list.includes(rel),
    );

  it('hears every save of a file an editor replaces by renaming a new file over it', async () => {
    for (const text of ['two', 'three', 'four']) {
      heard = [];
      await writeFile(path.join(dir, 'src/.index.ts.tmp'), text);
      await rename(path.join(dir, 'src/.index.ts.tmp'), path.join(dir, 'src/index.ts'));
      await heardOf('src/index.ts');
    }
  });

  it('hears files in a folder made after it started', async () => {
    await mkdir(path.join(dir, 'src/lib'));
    await heardOf('src/lib');
    await eventually(async () => {
      await writeFile(path.join(dir, 'src/lib/util.ts'), String(Date.now()));
      return heard.includes('src/lib/util.ts');
    }, Boolean);
  });

  it('does not report node_modules/ or editor swap files', async () => {
    await writeFile(path.join(dir, 'node_modules/dep/index.js'), 'x');
    await writeFile(path.join(dir, 'src/.index.ts.swp'), 'x');
    await writeFile(path.join(dir, 'manifest.json'), '{}');
    await heardOf('manifest.json');
    expect(heard.filter((rel) => rel !== 'manifest.json')).toEqual([]);
  });
});
