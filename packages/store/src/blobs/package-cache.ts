import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { extractArchive, type ArchiveLimits } from '@oko/shared/archive';
import type { Expected } from './verified-stream.js';

const SHA256 = /^[0-9a-f]{64}$/;

/**
 * This replica's extracted copies of packages in S3, for what is read from a package's files
 * (README, its images, a changelog of records older than the field): `<scratch>/blob-cache/<sha256>/`,
 * filled from the blob (its SHA-256 checked before anything is extracted) and renamed into place
 * whole, so a folder there is always a complete package. A cache, not state: deleting the folder
 * loses nothing, and another replica fills its own.
 */
export class PackageCache {
  private readonly filling = new Map<string, Promise<string>>();

  constructor(
    private readonly dir: string,
    /** Writes the blob of `expected` to `file`, or throws if the bytes are not the published ones. */
    private readonly fetch: (expected: Expected, file: string) => Promise<void>,
    private readonly limits: ArchiveLimits,
  ) {}

  /** Clears what a run cut short left (dot-named temp files and folders). */
  async init(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const stale = (await readdir(this.dir)).filter((name) => name.startsWith('.'));
    await Promise.all(stale.map((name) => rm(path.join(this.dir, name), { recursive: true, force: true })));
  }

  /** The folder of the package's files (the plugin at its root). */
  folderOf(expected: Expected): Promise<string> {
    // The name comes from a catalog row, which is untrusted: only a SHA-256 names a folder here,
    // never a path out of the cache to files that were never checked against a blob.
    if (!SHA256.test(expected.sha256)) {
      return Promise.reject(new Error(`not a SHA-256 in hex: ${JSON.stringify(expected.sha256.slice(0, 80))}`));
    }
    const folder = path.join(this.dir, expected.sha256);
    let pending = this.filling.get(expected.sha256);
    if (!pending) {
      pending = this.fill(expected, folder).finally(() => this.filling.delete(expected.sha256));
      this.filling.set(expected.sha256, pending);
    }
    return pending;
  }

  private async fill(expected: Expected, folder: string): Promise<string> {
    if ((await stat(folder).catch(() => null))?.isDirectory()) return folder;
    const temp = path.join(this.dir, `.${expected.sha256}.${randomBytes(4).toString('hex')}`);
    const zip = `${temp}.zip`;
    try {
      await mkdir(this.dir, { recursive: true });
      await this.fetch(expected, zip);
      await mkdir(temp);
      await extractArchive(zip, temp, this.limits);
      await rename(temp, folder).catch(async (error: unknown) => {
        // Another fill (a replica sharing the scratch folder) got there first: its copy is the same package.
        if (!(await stat(folder).catch(() => null))?.isDirectory()) throw error;
      });
      return folder;
    } finally {
      await rm(zip, { force: true });
      await rm(temp, { recursive: true, force: true });
    }
  }

  /** Writes a stream to a file (for `fetch`). */
  static async save(source: NodeJS.ReadableStream, file: string): Promise<void> {
    await pipeline(source, createWriteStream(file, { flags: 'wx' }));
  }
}
