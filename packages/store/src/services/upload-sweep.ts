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
 */
export async function tidyUploads(catalog: CatalogRepository, storage: PluginStorage, log: FastifyBaseLogger): Promise<void> {
  if (catalog.readOnlyReason) return;
  const byDir = new Map((await catalog.list()).map((r) => [r.storage.dir, r]));
  const removed: string[] = [];
  const unlisted: string[] = [];
  let recorded = 0;
  for (const name of await storage.listUploadFolders()) {
    const folder = storage.resolve(name);
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
