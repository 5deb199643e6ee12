import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import {
  createError,
  isOkoError,
  normalizePermissions,
  type CatalogEntry,
  type StoreVersionList,
  type StorePluginList,
  type StorePluginListQuery,
  type StorePluginPath,
} from '@oko/shared';
import { ArchiveThread, excludedFromPackage } from '@oko/shared/archive';
import type { FastifyBaseLogger } from 'fastify';
import { servedManifest, toCatalogEntry, type CatalogRecord, type Owner } from './catalog-record.js';
import { assertOwner, type CatalogRepository } from './catalog-repository.js';
import { AnswerCache, type CachedAnswer } from './answer-cache.js';
import { CatalogCatchUp } from './catalog-catch-up.js';
import { buildView, newestOf, searchView, withStats, type CatalogBase, type CatalogView } from './catalog-view.js';
import { removeEntryRecord, writeEntryRecord } from './entry-records.js';
import { PackageDocsCache, readReadme } from './package-docs.js';
import { readReadmeAsset } from './readme-assets.js';
import type { PluginStorage } from './plugin-storage.js';
import { NO_STATS, type StatsSource } from './stats-fold.js';

export interface PluginPackage {
  record: CatalogRecord;
  /** package.zip on local disk; null for a package in S3. */
  file: string | null;
  size: number;
  sha256: string;
  /** Its bytes: the checked file, or the blob checked as it streams (an error before the last byte if it is not the published one). */
  open(): Promise<Readable>;
}

/**
 * A catalog view and its version (`<boot id>.<epoch>`), which the answer cache and ETags follow: the
 * epoch rises with every catalog write and every stats fold, so an ETag covers both.
 */
export interface CatalogSnapshot {
  view: CatalogView;
  version: string;
}

/** As PluginCatalog.resolve, in one view: an answer cached for a version is made from that version only. */
function resolveIn(view: CatalogView, idOrName: string): CatalogRecord {
  const record = view.byId.get(idOrName) ?? newestOf(view.byName.get(idOrName) ?? []);
  if (!record) throw createError('PLUGIN_NOT_FOUND', `No plugin '${idOrName}' in the store catalog`);
  return record;
}

/** Reading, finding and removing catalog entries and their files. */
export class PluginCatalog {
  constructor(
    private readonly catalog: CatalogRepository,
    private readonly storage: PluginStorage,
    private readonly log: FastifyBaseLogger,
    private readonly stats: StatsSource = NO_STATS,
    private readonly thread: ArchiveThread = new ArchiveThread(),
  ) {
    this.docs = new PackageDocsCache(storage);
    this.catchUp = new CatalogCatchUp(catalog, log);
  }

  /** Asks the database once more before a PLUGIN_NOT_FOUND from this replica's copy (PostgreSQL mode). */
  readonly catchUp: CatalogCatchUp;

  private readonly docs: PackageDocsCache;

  /** Per catalog id, the version of package.zip last hashed and found to be the published file. */
  private readonly verified = new Map<string, string>();

  /** Serialized answers of the read routes, for the catalog version they were made from. */
  readonly answers = new AnswerCache();

  /** Tells this process's catalog versions from another run's, whose epochs count from 1 again. */
  private readonly bootId = randomBytes(6).toString('hex');
  private epoch = 0;

  /** Built on the first read after a change; the repository hands out a new array on every write. */
  private base: CatalogBase | null = null;
  private current: CatalogSnapshot | null = null;

  /**
   * The catalog as it is now, and its version: a new version for every write (upload, import,
   * refresh, delete) and every stats fold (a review at once, download counts at most once per
   * fold interval), never for a download by itself.
   */
  async snapshot(): Promise<CatalogSnapshot> {
    const source = await this.catalog.list();
    const current = this.currentFor(source);
    if (current) return current;
    if (this.base?.source !== source) this.base = buildView(source);
    this.current = { view: withStats(this.base, this.stats.fold()), version: `${this.bootId}.${++this.epoch}` };
    return this.current;
  }

  /** The snapshot made from these records, if no stats fold is due since: still the catalog's. */
  private currentFor(source: readonly CatalogRecord[]): CatalogSnapshot | null {
    return this.current?.view.source === source && !this.stats.due() ? this.current : null;
  }

  /**
   * The answer cached for `key` when the snapshot it was made from is still the catalog's (the same
   * records, no stats fold due), checked without waiting: a cache hit then costs the list routes no
   * promise, only what snapshot() compares. Undefined means "ask snapshot()", never "no such answer".
   */
  cachedAnswer(key: string): CachedAnswer | undefined {
    const current = this.currentFor(this.catalog.listNow());
    return current ? this.answers.get(current.version, key) : undefined;
  }

  private async currentView(): Promise<CatalogView> {
    return (await this.snapshot()).view;
  }

  async search(query: StorePluginListQuery, view?: CatalogView): Promise<StorePluginList> {
    return searchView(view ?? (await this.currentView()), query);
  }

  /** Every version of `name`, newest first, each with its changelog section. */
  async versionsOf(name: string, view?: CatalogView): Promise<StoreVersionList> {
    const records = (view ?? (await this.currentView())).byName.get(name);
    if (!records) throw createError('PLUGIN_NOT_FOUND', `No plugin '${name}' in the store catalog`);
    const versions = await Promise.all(
      records.map(async (record) => ({
        ...this.requirementsOf(record),
        id: record.id,
        version: record.version,
        created_at: record.created_at,
        size: record.size,
        sha256: record.sha256,
        changelog: (await this.docs.of(record)).changelog,
        permissions: normalizePermissions(record.manifest.permissions),
      })),
    );
    return { name, versions };
  }

  private requirementsOf(record: CatalogRecord): { engines: string | null; dependencies: Record<string, string> } {
    const { engines, dependencies } = servedManifest(record.manifest);
    return { engines: engines?.oko ?? null, dependencies: dependencies ?? {} };
  }

  /** The entry with its stats epoch's rating and installs, and `has_readme` (read lazily for records published before the field). */
  async entryOf(idOrName: string, view?: CatalogView): Promise<CatalogEntry> {
    const current = view ?? (await this.currentView());
    const record = resolveIn(current, idOrName);
    return { ...toCatalogEntry(record), ...current.statsOf(record.name), has_readme: (await this.docs.of(record)).has_readme };
  }

  /** A record just published or refreshed as its answer shows it: with its name's rating and installs, as GET /plugins/{id} would. */
  async present(record: CatalogRecord): Promise<CatalogEntry> {
    return { ...toCatalogEntry(record), ...(await this.snapshot()).view.statsOf(record.name) };
  }

  async readmeOf(idOrName: string): Promise<{ record: CatalogRecord; text: string; cut: boolean }> {
    const record = await this.resolve(idOrName);
    const readme = await readReadme(await this.filesOf(record));
    if (!readme) {
      throw createError('NOT_FOUND', `Plugin '${record.name}' ${record.version} (id ${record.id}) has no README.md`);
    }
    return { record, ...readme };
  }

  /** An image of the package a README links (readme-assets.ts says which files are served). */
  async readmeAssetOf(idOrName: string, relative: string): Promise<{ record: CatalogRecord; body: Buffer; type: string }> {
    const record = await this.resolve(idOrName);
    // A GitHub import keeps the repository folder on disk, but its package leaves out node_modules/ and test/.
    const outside = record.source === 'github' ? excludedFromPackage : undefined;
    return { record, ...(await readReadmeAsset(await this.filesOf(record), relative, outside)) };
  }

  /** The folder of a published plugin's files: its upload folder's, or in S3 mode this replica's copy of the package. */
  private filesOf(record: CatalogRecord): Promise<string> {
    return this.storage.blobs ? this.storage.blobs.filesOf(record) : Promise.resolve(this.storage.pluginDir(record.storage));
  }

  /** By catalog id, or by plugin name (then its newest release, newestOf): the backend uninstalls by name. */
  resolve(idOrName: string): Promise<CatalogRecord> {
    return this.catchUp.orNotFound(() => this.resolveInCopy(idOrName));
  }

  private async resolveInCopy(idOrName: string): Promise<CatalogRecord> {
    const byId = await this.catalog.get(idOrName);
    if (byId) return byId;
    const newest = newestOf((await this.currentView()).byName.get(idOrName) ?? []);
    if (!newest) throw createError('PLUGIN_NOT_FOUND', `No plugin '${idOrName}' in the store catalog`);
    return newest;
  }

  async pathOf(idOrName: string): Promise<StorePluginPath> {
    const record = await this.resolve(idOrName);
    if (this.storage.blobs) return this.storage.blobs.locate(record);
    const dir = this.storage.pluginDir(record.storage);
    return { path: dir, exists: (await stat(dir).catch(() => null))?.isDirectory() ?? false };
  }

  /**
   * The folder's entry record goes first, then the catalog entry (durably), then the files: a crash
   * at any point leaves either a listed package (whose record the next start writes again) or a
   * folder with no record, which the next start sweeps, never a deleted package a recovery revives.
   */
  async remove(id: string, by: Owner): Promise<CatalogRecord> {
    if (this.catalog.readOnlyReason) {
      throw createError('CATALOG_READ_ONLY', `The store catalog is read-only: ${this.catalog.readOnlyReason}`);
    }
    // Not in this replica's copy: another may have published it a moment ago, so ask once more before a 404.
    let record = await this.catalog.get(id);
    if (!record && this.catalog.refresh) {
      await this.catalog.refresh();
      record = await this.catalog.get(id);
    }
    if (!record) throw createError('PLUGIN_NOT_FOUND', `No plugin '${id}' in the store catalog`);
    // Before the entry record goes: a refused delete must leave the folder as it was. The catalog checks again under its lock.
    assertOwner(await this.catalog.ownerOf(record.name), by, record.name, 'delete its versions');
    // In S3 mode the row goes (its tombstone written with it), the blob stays until the sweep finds no row naming its SHA-256.
    if (this.storage.blobs) return this.catalog.remove(id, by).finally(() => this.docs.forget(record.id));
    const folder = this.storage.resolve(record.storage.dir);
    await removeEntryRecord(folder);
    try {
      await this.catalog.remove(id, by);
    } catch (error) {
      if (!isOkoError(error) || error.code !== 'PLUGIN_NOT_FOUND') {
        await writeEntryRecord(folder, record).catch(() => undefined); // else the next start writes it from the catalog
      }
      throw error;
    }
    this.verified.delete(record.id);
    this.docs.forget(record.id);
    await this.storage.removeUploadFolder(record.storage.dir).catch((error: unknown) => {
      this.log.warn(
        { err: error, dir: record.storage.dir },
        'catalog entry removed but its files could not be; they will be swept at the next start',
      );
    });
    return record;
  }

  /**
   * The normalized ZIP, exactly as published: a catalog entry's size and sha256 never change. The
   * cached package.zip is served when it has them (hashed once per file version); when it is
   * missing or differs, it is rebuilt from the plugin folder and served only if the rebuild gives
   * the same bytes. Anything else (files changed on disk, packed by another packer) is
   * PACKAGE_INTEGRITY_ERROR, logged: serving it would hand every dashboard bytes nobody published.
   */
  async packageOf(idOrName: string): Promise<PluginPackage> {
    const record = await this.resolve(idOrName);
    const blobs = this.storage.blobs;
    if (blobs) return { record, file: null, size: record.size, sha256: record.sha256, open: () => blobs.open(record) };
    const file = this.storage.packageFile(record.storage);
    const served = { record, file, size: record.size, sha256: record.sha256, open: async () => createReadStream(file) };
    const cached = await this.check(record, file);
    if (cached === 'ok') return served;
    const dir = this.storage.pluginDir(record.storage);
    let rebuilt: { size: number; sha256: string } | null = null;
    if ((await stat(dir).catch(() => null))?.isDirectory()) {
      const temp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
      try {
        // Packed as it was published: a GitHub import's package leaves out what `oko-plugin pack` does.
        rebuilt = await this.thread.run('pack', dir, temp, { sourceFolder: record.source === 'github' });
        if (rebuilt.sha256 === record.sha256 && rebuilt.size === record.size) {
          await rename(temp, file);
          this.log.warn({ id: record.id, cached }, 'package.zip rebuilt from the plugin folder with the published checksum');
          return served;
        }
      } finally {
        await rm(temp, { force: true });
      }
    }
    const published = { size: record.size, sha256: record.sha256 };
    const found = `package.zip ${cached}, ${rebuilt ? `a rebuild from its folder gives sha256 ${rebuilt.sha256}` : 'its plugin folder is missing'}`;
    this.log.error(
      { id: record.id, dir: record.storage.dir, published, cached, rebuilt },
      `PACKAGE INTEGRITY: plugin ${record.name} ${record.version} (id ${record.id}) cannot be served as published: ${found}`,
    );
    throw createError(
      'PACKAGE_INTEGRITY_ERROR',
      `The package of plugin '${record.name}' ${record.version} (id ${record.id}) no longer matches its published size and sha256; ` +
        'the store does not serve it. Re-publish the plugin, or restore its upload folder',
    );
  }

  /** Whether package.zip is the published file; a hash is kept per file version (inode, size, times) so it is read once. */
  private async check(record: CatalogRecord, file: string): Promise<'ok' | 'is missing' | 'has another size' | 'has another sha256'> {
    const found = await stat(file).catch(() => null);
    if (!found?.isFile()) return 'is missing';
    if (found.size !== record.size) return 'has another size';
    const version = `${found.dev}:${found.ino}:${found.size}:${found.mtimeMs}:${found.ctimeMs}`;
    if (this.verified.get(record.id) === version) return 'ok';
    // On the archive thread: the first download of a 100 MB package would hash it on the event loop.
    if ((await this.thread.run('sha256', file)) !== record.sha256) return 'has another sha256';
    this.verified.set(record.id, version);
    return 'ok';
  }
}
