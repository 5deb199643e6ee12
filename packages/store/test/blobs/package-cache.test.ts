import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PackageCache } from '../../src/blobs/package-cache.js';

/*
 * The cache folder of a package is named by the SHA-256 a catalog row gives, and a row read back
 * is untrusted (edited by hand with its CHECK dropped, written by another program): whatever it
 * says, the folder must be one under blob-cache/, never a path that walks out of it to files the
 * store would then serve as the package's README and images.
 */

const roots: string[] = [];
afterEach(async () => {
  for (const root of roots.splice(0)) await rm(root, { recursive: true, force: true });
});

describe('the package cache', () => {
  it('refuses a SHA-256 that is not 64 lower-case hex digits, and fetches nothing for it', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'oko-cache-'));
    roots.push(root);
    await mkdir(path.join(root, 'uploads', 'secret'), { recursive: true });
    await writeFile(path.join(root, 'uploads', 'secret', 'README.md'), 'not a package');
    let fetched = 0;
    const cache = new PackageCache(
      path.join(root, 'blob-cache'),
      async () => {
        fetched++;
      },
      { maxUnpackedBytes: 1 << 20, maxEntries: 100 },
    );
    await cache.init();
    for (const sha256 of ['../uploads/secret', '..', '', 'A'.repeat(64), `${'a'.repeat(64)}/..`, path.join(root, 'uploads')]) {
      await expect(cache.folderOf({ sha256, size: 1 }), sha256).rejects.toThrow(/SHA-256/);
    }
    expect(fetched).toBe(0);
  });
});
