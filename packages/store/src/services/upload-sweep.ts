import { lstat, readdir } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import type { CatalogRepository } from './catalog-repository.js';
import { hasEntryRecord, writeEntryRecord } from './entry-records.js';
import type { PluginStorage } from './plugin-storage.js';

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
 * locked sweep (blobs/blob-sweep.ts) with `idleMs`, and leaves alone every folder written to more
 * recently, since that may be another replica's import in progress.
 */
export async function tidyUploads(
  catalog: CatalogRepository,
  storage: PluginStorage,
  log: FastifyBaseLogger,
  options: { idleMs?: number } = {},
): Promise<void> {
  if (catalog.readOnlyReason) return;
  const byDir = new Map((await catalog.list()).map((r) => [r.storage.dir, r]));
  const removed: string[] = [];
  const unlisted: string[] = [];
  let recorded = 0;
  for (const name of await storage.listUploadFolders()) {
    const folder = storage.resolve(name);
    if (options.idleMs !== undefined && !(await idleFor(folder, options.idleMs))) continue;
    const record = byDir.get(name);
    if (record) {
      if (await hasEntryRecord(folder)) continue;
      await writeEntryRecord(folder, record).then(
        () => recorded++,
        (error: unknown) => log.warn({ err: error, dir: name }, 'could not write the entry record of an upload folder'),
      );
    } else if (await hasEntryRecord(folder)) {
      unlisted.push(name);
    } else {
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
