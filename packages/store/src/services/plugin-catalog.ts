import { stat } from 'node:fs/promises';
import { createError, type StorePluginList, type StorePluginListQuery, type StorePluginPath } from '@oko/shared';
import { packPluginDirectory } from '@oko/shared/archive';
import type { FastifyBaseLogger } from 'fastify';
import semver from 'semver';
import { toCatalogEntry, type CatalogRecord } from './catalog-record.js';
import type { CatalogRepository } from './catalog-repository.js';
import type { PluginStorage } from './plugin-storage.js';

export interface PluginPackage {
  record: CatalogRecord;
  file: string;
  size: number;
  sha256: string;
}

function byNameThenNewest(a: CatalogRecord, b: CatalogRecord): number {
  return a.name === b.name ? semver.rcompare(a.version, b.version) : a.name < b.name ? -1 : 1;
}

/** Reading, finding and removing catalog entries and their files. */
export class PluginCatalog {
  constructor(
    private readonly catalog: CatalogRepository,
    private readonly storage: PluginStorage,
    private readonly log: FastifyBaseLogger,
  ) {}

  async search(query: StorePluginListQuery): Promise<StorePluginList> {
    const text = query.q?.trim().toLowerCase() ?? '';
    const tag = query.tag?.trim().toLowerCase() ?? '';
    const matches = [...(await this.catalog.list())]
      .filter((r) => !tag || r.tags.some((t) => t.toLowerCase() === tag))
      .filter((r) => !text || [r.name, r.description, r.author, ...r.tags].some((field) => field.toLowerCase().includes(text)))
      .sort(byNameThenNewest);
    const start = (query.page - 1) * query.per_page;
    return {
      plugins: matches.slice(start, start + query.per_page).map(toCatalogEntry),
      total: matches.length,
      page: query.page,
      per_page: query.per_page,
    };
  }

  /** By catalog id, or by plugin name (then the newest version): the backend uninstalls by name. */
  async resolve(idOrName: string): Promise<CatalogRecord> {
    const byId = await this.catalog.get(idOrName);
    if (byId) return byId;
    const [newest] = (await this.catalog.list()).filter((r) => r.name === idOrName).sort(byNameThenNewest);
    if (!newest) throw createError('PLUGIN_NOT_FOUND', `No plugin '${idOrName}' in the store catalog`, 404);
    return newest;
  }

  async pathOf(idOrName: string): Promise<StorePluginPath> {
    const record = await this.resolve(idOrName);
    const dir = this.storage.pluginDir(record.storage);
    return { path: dir, exists: (await stat(dir).catch(() => null))?.isDirectory() ?? false };
  }

  /** The entry goes first (durably); its files after. A crash in between leaves an orphan folder that the next start sweeps. */
  async remove(id: string): Promise<CatalogRecord> {
    const record = await this.catalog.remove(id);
    await this.storage.removeUploadFolder(record.storage.dir).catch((error: unknown) => {
      this.log.warn({ err: error, dir: record.storage.dir }, 'catalog entry removed but its files could not be; they will be swept at the next start');
    });
    return record;
  }

  /** The normalized ZIP; rebuilt (deterministically, same bytes) if the cached one went missing. */
  async packageOf(idOrName: string): Promise<PluginPackage> {
    const record = await this.resolve(idOrName);
    const file = this.storage.packageFile(record.storage);
    const cached = await stat(file).catch(() => null);
    if (cached?.isFile()) return { record, file, size: cached.size, sha256: record.sha256 };
    const dir = this.storage.pluginDir(record.storage);
    if (!(await stat(dir).catch(() => null))?.isDirectory()) {
      throw createError('PLUGIN_NOT_FOUND', `The files of plugin '${record.id}' are missing from the store`, 404);
    }
    const rebuilt = await packPluginDirectory(dir, file);
    if (rebuilt.sha256 !== record.sha256) {
      this.log.warn({ id: record.id, expected: record.sha256, actual: rebuilt.sha256 }, 'rebuilt package differs from the catalog checksum');
    }
    return { record, file, ...rebuilt };
  }
}
