import { createHash } from 'node:crypto';
import { appendFile, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { removeDir, tempDir } from '../../../../../test-support/fixtures.js';
import type { StoreEntryAnswer } from '../../store-integration/client/store-answers.js';
import { PackageCache } from './package-cache.js';

let root: string;
let cache: PackageCache;

/** Keeps a package of `version` (its bytes say which) and returns its entry; `how` names the cache's method. */
async function keep(version: string, how: 'keep' | 'hold' = 'keep'): Promise<StoreEntryAnswer> {
  const bytes = `package ${version}`;
  const id = createHash('sha256').update(version).digest('hex').slice(0, 12);
  const zip = path.join(root, `${id}.zip`);
  await writeFile(zip, bytes);
  const entry = {
    id,
    name: 'cached',
    version,
    size: bytes.length,
    sha256: createHash('sha256').update(bytes).digest('hex'),
  } as StoreEntryAnswer;
  await cache[how](entry, zip);
  // What a caller does once the cache holds the package: its own copy goes (the installer's staging).
  if (how === 'hold') await rm(zip);
  return entry;
}

beforeEach(async () => {
  root = await tempDir('package-cache');
  cache = new PackageCache(path.join(root, 'data'));
});
afterEach(() => removeDir(root));

describe('PackageCache', () => {
  it('keeps the last three installs, latest first, and removes the files of older ones', async () => {
    for (const version of ['1.0.0', '1.1.0', '1.2.0', '1.3.0']) await keep(version);
    expect(await cache.cachedVersions('cached')).toEqual(['1.3.0', '1.2.0', '1.1.0']);
    const files = await readdir(path.join(root, 'data', 'packages', 'cached'));
    expect(files.filter((file) => file.endsWith('.zip'))).toHaveLength(3);
    expect(files.filter((file) => file.endsWith('.json'))).toHaveLength(4); // three entries and history.json
  });

  it('a reinstall of a kept version moves it to the end of the install order', async () => {
    await keep('1.0.0');
    await keep('2.0.0');
    await keep('1.0.0');
    expect(await cache.cachedVersions('cached')).toEqual(['1.0.0', '2.0.0']);
  });

  it('answers the install before a version, then the one before that; none before the first', async () => {
    for (const version of ['1.0.0', '1.1.0', '1.2.0']) await keep(version);
    expect((await cache.installedBefore('cached', '1.2.0'))?.entry.version).toBe('1.1.0');
    expect((await cache.installedBefore('cached', '1.1.0'))?.entry.version).toBe('1.0.0');
    expect(await cache.installedBefore('cached', '1.0.0')).toBeUndefined();
    // A version installed without the cache: the latest kept one.
    expect((await cache.installedBefore('cached', '9.0.0'))?.entry.version).toBe('1.2.0');
  });

  it('drops a package whose bytes no longer match its SHA-256, and never hands it out', async () => {
    const old = await keep('1.0.0');
    await keep('1.1.0');
    await appendFile(path.join(root, 'data', 'packages', 'cached', `${old.id}.zip`), 'tampered');
    expect(await cache.get('cached', old.id)).toBeUndefined();
    expect(await cache.findById(old.id)).toBeUndefined();
    expect(await cache.cachedVersions('cached')).toEqual(['1.1.0']);
    expect((await cache.newest('cached'))?.entry.version).toBe('1.1.0');
  });

  it('finds a package by catalog id and the newest by version, whatever the install order', async () => {
    const two = await keep('2.0.0');
    await keep('1.5.0');
    expect((await cache.findById(two.id))?.entry.version).toBe('2.0.0');
    expect((await cache.newest('cached'))?.entry.version).toBe('2.0.0');
    expect(await cache.findById('ffffffffffff')).toBeUndefined();
    expect(await cache.cachedVersions('nothing_kept')).toEqual([]);
  });

  it('answers a name with its newest kept release, a prerelease only when no release is kept', async () => {
    await keep('1.0.0');
    await keep('2.0.0-beta.1');
    expect((await cache.newest('cached'))?.entry.version).toBe('1.0.0');
  });

  it('treats a kept entry edited into another shape as gone: not listed, and dropped when asked for, never a TypeError', async () => {
    const entry = await keep('2.0.0');
    const file = path.join(root, 'data', 'packages', 'cached', `${entry.id}.json`);
    await writeFile(file, JSON.stringify({ id: entry.id, name: 'cached', version: '2.0.0' }));
    expect(await cache.entries('cached')).toEqual([]);
    expect(await cache.get('cached', entry.id)).toBeUndefined();
    expect(await cache.findById(entry.id)).toBeUndefined();
  });

  it('holds a package at once and records it after: every read waits for the record, and so does settled()', async () => {
    await keep('1.0.0', 'hold');
    const two = await keep('2.0.0', 'hold');
    expect(await cache.cachedVersions('cached')).toEqual(['2.0.0', '1.0.0']);
    expect((await cache.get('cached', two.id))?.entry.version).toBe('2.0.0');
    await keep('3.0.0', 'hold');
    await cache.settled();
    const files = await readdir(path.join(root, 'data', 'packages', 'cached'));
    expect(files.filter((file) => file.endsWith('.zip') || file.endsWith('.tmp'))).toHaveLength(3);
  });

  it('refuses to hold what it cannot keep, and the caller learns it at once', async () => {
    const entry = { id: '../escape', name: 'cached', version: '1.0.0', size: 1, sha256: '0'.repeat(64) } as StoreEntryAnswer;
    await expect(cache.hold(entry, path.join(root, 'none.zip'))).rejects.toThrow(/not a catalog id/);
    await cache.settled();
  });
});
