import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { syncFolder, writeFileAtomic } from './atomic-write.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'oko-atomic-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('writeFileAtomic', () => {
  it('replaces the file and leaves no temp file behind', async () => {
    const file = path.join(dir, 'plugins.json');
    await writeFile(file, 'old');
    await writeFileAtomic(file, 'new');
    expect(await readFile(file, 'utf8')).toBe('new');
    expect(await readdir(dir)).toEqual(['plugins.json']);
  });

  it('creates the file with the mode asked for (a secret is never readable by others)', async () => {
    const file = path.join(dir, 'instance-id');
    await writeFileAtomic(file, 'secret', { mode: 0o600 });
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it('keeps the old content when the write fails', async () => {
    const file = path.join(dir, 'missing-folder', 'plugins.json');
    await expect(writeFileAtomic(file, 'new')).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('never lets concurrent writers interleave their content', async () => {
    const file = path.join(dir, 'x.json');
    await Promise.all(Array.from({ length: 20 }, (_, i) => writeFileAtomic(file, JSON.stringify({ i, pad: 'x'.repeat(10_000) }))));
    expect(JSON.parse(await readFile(file, 'utf8'))).toHaveProperty('pad');
    expect(await readdir(dir)).toEqual(['x.json']);
  });

  it('replaces the file the same way when the caller syncs the folder itself', async () => {
    const file = path.join(dir, 'history.json');
    await writeFileAtomic(file, 'first', { syncFolder: false });
    await writeFileAtomic(file, 'second', { syncFolder: false });
    await syncFolder(dir);
    expect(await readFile(file, 'utf8')).toBe('second');
    expect(await readdir(dir)).toEqual(['history.json']);
  });

  it('replaces its own earlier write', async () => {
    const file = path.join(dir, 'state.json');
    await writeFileAtomic(file, 'first');
    await writeFileAtomic(file, 'second');
    expect(await readFile(file, 'utf8')).toBe('second');
  });
});

describe('syncFolder', () => {
  it('fsyncs an existing folder and refuses a missing one', async () => {
    await expect(syncFolder(dir)).resolves.toBeUndefined();
    await expect(syncFolder(path.join(dir, 'gone'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
