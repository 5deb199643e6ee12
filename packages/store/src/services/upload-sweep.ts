import { lstat, readdir } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import type { CatalogRepository } from './catalog-repository.js';
import { hasEntryRecord, writeEntryRecord } from './entry-records.js';
import type { PluginStorage } from './plugin-storage.js';

/** How uploads/ is tidied where several replicas share it (PostgreSQL with packages on local disk). */
export interface SharedUploads {
  /** Only folders nothing was written to for this long: a younger one may be another replica's import in progress. */
  idleMs: number;
  /**
   * Which of `dirs` a catalog row names, asked of the database itself: this replica's copy may be
   * a moment behind, and skips rows it cannot read, whose folders must stay all the same.
   */
  namedByRows(dirs: string[]): Promise<Set<string>>;
}

/**
 * The startup tidy-up of uploads/, run only on a catalog that loaded whole (a read-only one keeps
 * every folder). A folder the catalog lists gets its entry record if it lacks one (published
 * before entry records, or a crash between the catalog write and the record's). A folder it does
 * not list is removed only when it has no entry record: publishing writes the record after the
 * catalog, and deleting removes it before, so such a folder is an import or a delete cut short.
 * A folder that has one is a published package the catalog has lost (an older plugins.json put
 * back, say): it is kept for `npm run store:recover`, never deleted.
 *
 * On PostgreSQL the store may be one of several replicas sharing uploads/: there it runs in the
 * locked sweep (blobs/blob-sweep.ts) with `shared`, leaves alone every folder written to within
 * the grace, and removes an older one that no row in the database names, entry record or not:
 * the database is the catalog there, nothing recovers from entry records, and a delete whose
 * answer was lost after its COMMIT puts the record back on a folder whose row is gone.
 */
export async function tidyUploads(
  catalog: CatalogRepository,
  storage: PluginStorage,
  log: FastifyBaseLogger,
  shared?: SharedUploads,
): Promise<void> {
  if (catalog.readOnlyReason) return;
  const byDir = new Map((await catalog.list()).map((r) => [r.storage.dir, r]));
  const removed: string[] = [];
  const unlisted: string[] = [];
  const unnamed: string[] = [];
  let recorded = 0;
  for (const name of await storage.listUploadFolders()) {
    const folder = storage.resolve(name);
    if (shared && !(await idleFor(folder, shared.idleMs))) continue;
    const record = byDir.get(name);
    if (record) {
      if (await hasEntryRecord(folder)) continue;
      await writeEntryRecord(folder, record).then(
        () => recorded++,
        (error: unknown) => log.warn({ err: error, dir: name }, 'could not write the entry record of an upload folder'),
      );
    } else if (shared) {
      unnamed.push(name);
    } else if (await hasEntryRecord(folder)) {
      unlisted.push(name);
    } else {
      await storage.removeUploadFolder(name);
      removed.push(name);
    }
  }
  if (shared && unnamed.length > 0) {
    const named = await shared.namedByRows(unnamed);
    for (const name of unnamed) {
      if (named.has(name)) continue;
      await storage.removeUploadFolder(name);
      removed.push(name);
    }
  }
  if (removed.length > 0) log.info({ removed }, 'removed upload folders left by interrupted imports or deletes');
  if (recorded > 0) log.info(`wrote the entry record of ${recorded} upload folder(s) that had none`);
  if (unlisted.length > 0) {
    log.warn(
      { unlisted },
      `${unlisted.length} upload folder(s) hold a published package that plugins.json does not list; kept. ` +
        '`npm run store:recover` adds them back to the catalog; delete them by hand if they are not wanted',
    );
  }
}

/**
 * Whether nothing was written in `folder` for `ms`: its own time and its entries' (an upload grows
 * plugin.zip, packing writes package.zip, an extraction adds to extracted/).
 */
export async function idleFor(folder: string, ms: number, now = Date.now()): Promise<boolean> {
  const own = await lstat(folder).catch(() => null);
  if (!own) return false;
  const times = [own.mtimeMs];
  for (const name of await readdir(folder).catch(() => [])) {
    const found = await lstat(path.join(folder, name)).catch(() => null);
    if (found) times.push(found.mtimeMs);
  }
  return now - Math.max(...times) >= ms;
}
