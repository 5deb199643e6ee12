import { stat } from 'node:fs/promises';
import { createError, type CatalogEntry, type StorePluginList, type StorePluginListQuery, type StorePluginPath } from '@oko/shared';
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

/** One record as list and search need it, computed once per catalog change. */
interface ListedRecord {
  record: CatalogRecord;
  entry: CatalogEntry;
  /** name, description, author and tags, lower-cased: what `q` is matched in. */
  text: string[];
  tags: string[];
}

/** The catalog sorted by name, newest version first, for the `records` array it was built from. */
interface CatalogView {
  source: readonly CatalogRecord[];
  sorted: ListedRecord[];
}

function buildView(source: readonly CatalogRecord[]): CatalogView {
  const sorted = [...source].sort(byNameThenNewest).map((record) => {
    const tags = record.tags.map((t) => t.toLowerCase());
    return {
      record,
      entry: toCatalogEntry(record),
      text: [record.name, record.description, record.author].map((f) => f.toLowerCase()).concat(tags),
      tags,
    };
  });
  return { source, sorted };
}

/** Reading, finding and removing catalog entries and their files. */
export class PluginCatalog {
  constructor(
    private readonly catalog: CatalogRepository,
    private readonly storage: PluginStorage,
    private readonly log: FastifyBaseLogger,
  ) {}

  /** Built on the first read after a change; the repository hands out a new array on every write. */
  private view: CatalogView | null = null;

  private async currentView(): Promise<CatalogView> {
    const source = await this.catalog.list();
    if (this.view?.source !== source) this.view = buildView(source);
    return this.view;
  }

  async search(query: StorePluginListQuery): Promise<StorePluginList> {
    const text = query.q?.trim().toLowerCase() ?? '';
    const tag = query.tag?.trim().toLowerCase() ?? '';
    const { sorted } = await this.currentView();
    const matches =
      text || tag
        ? sorted.filter((r) => (!tag || r.tags.includes(tag)) && (!text || r.text.some((field) => field.includes(text))))
        : sorted;
    const start = (query.page - 1) * query.per_page;
    return {
      plugins: matches.slice(start, start + query.per_page).map((r) => r.entry),
      total: matches.length,
      page: query.page,
      per_page: query.per_page,
    };
  }

  /** By catalog id, or by plugin name (then the newest version): the backend uninstalls by name. */
  async resolve(idOrName: string): Promise<CatalogRecord> {
    const byId = await this.catalog.get(idOrName);
    if (byId) return byId;
    const newest = (await this.currentView()).sorted.find((r) => r.record.name === idOrName)?.record;
    if (!newest) throw createError('PLUGIN_NOT_FOUND', `No plugin '${idOrName}' in the store catalog`);
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
      this.log.warn(
        { err: error, dir: record.storage.dir },
        'catalog entry removed but its files could not be; they will be swept at the next start',
      );
    });
    return record;
  }

  /**
   * The normalized ZIP, rebuilt from the plugin folder when the cached one is missing or has not
   * the catalog's size (a crash can leave a renamed but unflushed file). A rebuild gives the same
   * bytes with the same packer; one packed by another store version (another stored/deflated
   * choice, another zlib) may differ, and then the catalog entry takes the rebuilt size and sha256,
   * so what the catalog says and what the download sends agree again.
   */
  async packageOf(idOrName: string): Promise<PluginPackage> {
    const record = await this.resolve(idOrName);
    const file = this.storage.packageFile(record.storage);
    const cached = await stat(file).catch(() => null);
    if (cached?.isFile() && cached.size === record.size) return { record, file, size: cached.size, sha256: record.sha256 };
    const dir = this.storage.pluginDir(record.storage);
    if (!(await stat(dir).catch(() => null))?.isDirectory()) {
      throw createError('PLUGIN_NOT_FOUND', `The files of plugin '${record.id}' are missing from the store`);
    }
    const rebuilt = await packPluginDirectory(dir, file);
    if (rebuilt.sha256 === record.sha256) return { record, file, ...rebuilt };
    const previous = { size: record.size, sha256: record.sha256 };
    try {
      const updated = await this.catalog.updatePackage(record.id, rebuilt);
      this.log.warn(
        { id: record.id, previous, rebuilt },
        'rebuilt package differs from the catalog entry (packed by another store version); the entry now has the rebuilt size and sha256',
      );
      return { record: updated, file, ...rebuilt };
    } catch (error) {
      // Served anyway, with its own checksum: an installer that checks the catalog's refuses it, never installs it unverified.
      this.log.error(
        { err: error, id: record.id, previous, rebuilt },
        'rebuilt package differs from the catalog entry, which could not be updated; serving it with its own checksum',
      );
      return { record, file, ...rebuilt };
    }
  }
}
