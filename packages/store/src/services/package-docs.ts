import { open, readdir } from 'node:fs/promises';
import path from 'node:path';
import type { CatalogRecord } from './catalog-record.js';
import { changelogSection } from './changelog.js';
import type { PluginStorage } from './plugin-storage.js';

/** GET /plugins/{id}/readme serves at most this much of README.md, cut on a line boundary with a note. */
export const README_MAX_BYTES = 256 * 1024;
export const README_CUT_NOTE = `\n\n---\n*(README.md is longer than ${README_MAX_BYTES / 1024} KiB; the store serves its beginning only.)*\n`;

/** Of CHANGELOG.md, only this much is read for the version's section: the package limits allow far bigger files. */
export const CHANGELOG_READ_BYTES = 4 * 1024 * 1024;

/** What a catalog record keeps of the package's documents, found once at publish time. */
export interface PackageDocs {
  has_readme: boolean;
  changelog: string | null;
}

/**
 * The plugin root's regular file called `name`, compared case-insensitively (readme.md, Readme.MD):
 * the exact spelling wins, then the first in sorted order. A symlink never counts.
 */
export async function findRootFile(dir: string, name: string): Promise<string | null> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const wanted = name.toLowerCase();
  const found = entries
    .filter((e) => e.isFile() && e.name.toLowerCase() === wanted)
    .map((e) => e.name)
    .sort();
  const chosen = found.includes(name) ? name : found[0];
  return chosen === undefined ? null : path.join(dir, chosen);
}

/** At most `max` bytes of the file, and whether it holds more. */
async function readHead(file: string, max: number): Promise<{ bytes: Buffer; more: boolean }> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(max + 1);
    let filled = 0;
    while (filled < buffer.length) {
      const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return { bytes: buffer.subarray(0, filled), more: filled > max };
  } finally {
    await handle.close();
  }
}

/** Read at publish time (and lazily for records older than the fields). */
export async function readPackageDocs(pluginDir: string, version: string): Promise<PackageDocs> {
  const readme = await findRootFile(pluginDir, 'README.md');
  const changelogFile = await findRootFile(pluginDir, 'CHANGELOG.md');
  let changelog: string | null = null;
  if (changelogFile) {
    const { bytes } = await readHead(changelogFile, CHANGELOG_READ_BYTES);
    changelog = changelogSection(bytes.subarray(0, CHANGELOG_READ_BYTES).toString('utf8'), version);
  }
  return { has_readme: readme !== null, changelog };
}

/** The README's text, cut at README_MAX_BYTES on a line boundary (a newline byte never sits inside a UTF-8 character). */
export async function readReadme(pluginDir: string): Promise<{ text: string; cut: boolean } | null> {
  const file = await findRootFile(pluginDir, 'README.md');
  if (!file) return null;
  const room = README_MAX_BYTES - Buffer.byteLength(README_CUT_NOTE);
  const { bytes, more } = await readHead(file, room);
  if (!more) return { text: bytes.toString('utf8'), cut: false };
  const lastNewline = bytes.subarray(0, room).lastIndexOf(0x0a);
  let end = lastNewline > 0 ? lastNewline : room;
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
  return { text: bytes.subarray(0, end).toString('utf8') + README_CUT_NOTE, cut: true };
}

/**
 * The documents of each catalog record: from the record when it was published with them, else read
 * once from its stored plugin folder (in S3 mode, the package's cached copy) and kept in memory
 * (nothing when the folder is gone).
 */
export class PackageDocsCache {
  private readonly cache = new Map<string, Promise<PackageDocs>>();

  constructor(private readonly storage: PluginStorage) {}

  of(record: CatalogRecord): Promise<PackageDocs> {
    if (record.has_readme !== undefined && record.changelog !== undefined) {
      return Promise.resolve({ has_readme: record.has_readme, changelog: record.changelog });
    }
    let docs = this.cache.get(record.id);
    if (!docs) {
      const blobs = this.storage.blobs;
      const files = blobs ? blobs.filesOf(record) : Promise.resolve(this.storage.pluginDir(record.storage));
      docs = files
        .then((dir) => readPackageDocs(dir, record.version))
        .catch(() => {
          // A bucket out of reach for a moment is no answer to keep: the next read asks again.
          if (blobs) this.cache.delete(record.id);
          return { has_readme: false, changelog: null };
        });
      this.cache.set(record.id, docs);
    }
    return docs;
  }

  forget(id: string): void {
    this.cache.delete(id);
  }
}
