import { access, mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { MANIFEST_FILE } from '@oko/shared';
import { excludedFromPackage, packPluginDirectory } from '@oko/shared/archive';
import type { FastifyInstance } from 'fastify';
import type { SeedConfig } from '../config.js';
import { catalogEverWritten } from '../postgres/pg-catalog-repository.js';
import { CATALOG_FILE } from './catalog-repository.js';
import type { StoreServices } from './index.js';

/**
 * Seeds the catalog on the store's first start only: when plugins.json does not exist yet. Each
 * example folder is packed and imported through ArchiveImporter, the same path (and the same
 * checks) as an upload, so a seeded plugin is indistinguishable from an uploaded one. A folder
 * that fails is logged and skipped; the store starts either way.
 */
export function seedExamplePlugins(seed: SeedConfig, storagePath: string) {
  return async (services: StoreServices, app: FastifyInstance): Promise<void> => {
    const log = app.log;
    if (!seed.enabled) return log.info('catalog seeding is off (OKO_STORE_SEED=false)');
    // In PostgreSQL there is no plugins.json: a catalog that was ever written (even emptied since) is not new.
    const db = services.backends.db;
    const catalogExists = db
      ? await catalogEverWritten(db)
      : await access(path.join(storagePath, CATALOG_FILE)).then(
          () => true,
          () => false,
        );
    if (catalogExists || services.catalog.readOnlyReason) return;

    const folders = await pluginFolders(seed.dir);
    if (folders === null) return log.warn({ dir: seed.dir }, 'catalog seeding skipped: the example plugins folder does not exist');

    const temp = await mkdtemp(path.join(os.tmpdir(), 'oko-store-seed-'));
    const seeded: string[] = [];
    try {
      for (const folder of folders) {
        try {
          const zip = path.join(temp, `${path.basename(folder)}.zip`);
          // Packed as `oko-plugin pack` packs (the one shared rule), so a signed example's signature matches.
          await packPluginDirectory(folder, zip, { exclude: excludedFromPackage });
          const record = await services.archives.importFile(zip);
          seeded.push(`${record.name} ${record.version}`);
          log.info({ id: record.id, name: record.name, version: record.version }, `seeded example plugin ${record.name}`);
        } catch (error) {
          log.warn({ folder, err: error }, `example plugin ${path.basename(folder)} not seeded: ${(error as Error).message}`);
        }
      }
    } finally {
      await rm(temp, { recursive: true, force: true });
    }
    log.info(
      { dir: seed.dir, plugins: seeded },
      `seeded the new catalog with ${seeded.length} example plugin(s): ${seeded.join(', ') || 'none'}`,
    );
  };
}

/** Sub-folders that hold a manifest.json, sorted; null when `dir` is missing. */
async function pluginFolders(dir: string): Promise<string[] | null> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => null);
  if (!entries) return null;
  const folders: string[] = [];
  for (const entry of entries.filter((e) => e.isDirectory()).sort((a, b) => a.name.localeCompare(b.name))) {
    const folder = path.join(dir, entry.name);
    if (
      await access(path.join(folder, MANIFEST_FILE)).then(
        () => true,
        () => false,
      )
    )
      folders.push(folder);
  }
  return folders;
}
