import type { FastifyBaseLogger } from 'fastify';
import type { StoreConfig } from '../config.js';
import { ArchiveImporter } from './archive-importer.js';
import { JsonCatalogRepository, type CatalogRepository } from './catalog-repository.js';
import { GithubImporter } from './github-importer.js';
import { PluginCatalog } from './plugin-catalog.js';
import { PluginPublisher } from './plugin-publisher.js';
import { LocalPluginStorage, type PluginStorage } from './plugin-storage.js';

export interface StoreServices {
  catalog: CatalogRepository;
  storage: PluginStorage;
  plugins: PluginCatalog;
  archives: ArchiveImporter;
  github: GithubImporter;
}

/** Opens plugins.json and the uploads/ folder and wires the services that use them. */
export async function createServices(config: StoreConfig, log: FastifyBaseLogger): Promise<StoreServices> {
  const storage = new LocalPluginStorage(config.storagePath);
  await storage.init();
  const catalog = await JsonCatalogRepository.open(config.storagePath, log);
  if (!catalog.readOnlyReason) {
    // Folders no entry refers to were left by a crash mid-import; with a read-only catalog we cannot tell, so keep all.
    const keep = new Set((await catalog.list()).map((r) => r.storage.dir));
    const removed = await storage.removeOrphans(keep);
    if (removed.length > 0) log.info({ removed }, 'removed upload folders left by interrupted imports');
  }
  const publisher = new PluginPublisher(catalog, storage);
  const limits = { maxUnpackedBytes: config.maxUnpackedBytes, maxEntries: config.maxEntries };
  return {
    catalog,
    storage,
    plugins: new PluginCatalog(catalog, storage, log),
    archives: new ArchiveImporter(publisher, {
      maxPluginSizeBytes: config.maxPluginSizeBytes,
      uploadIdleTimeoutMs: config.uploadIdleTimeoutMs,
      limits,
    }),
    github: new GithubImporter(publisher, { github: config.github, maxPluginSizeBytes: config.maxPluginSizeBytes, limits }),
  };
}
