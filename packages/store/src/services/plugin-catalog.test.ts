import { mkdir, mkdtemp, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import semver from 'semver';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { NO_INSTALLS, NO_RATING, type StorePluginList, type StorePluginListQuery } from '@oko/shared';
import { packPluginDirectory, sha256File } from '@oko/shared/archive';
import { toCatalogEntry, type CatalogRecord } from './catalog-record.js';
import type { CatalogRepository } from './catalog-repository.js';
import { PluginCatalog } from './plugin-catalog.js';
import { catalogRecord } from '../../test/catalog-records.js';
import { LocalPluginStorage, type PluginStorage } from './plugin-storage.js';
import type { StatsSource } from './stats-fold.js';

/** A repository in memory that, like the JSON one, hands out a new array on every change. */
class MemoryRepository implements CatalogRepository {
  readOnlyReason = null;
  constructor(public records: readonly CatalogRecord[]) {}
  async list() {
    return this.records;
  }
  listNow() {
    return this.records;
  }
  async get(id: string) {
    return this.records.find((r) => r.id === id);
  }
  async add(record: CatalogRecord) {
    this.records = [...this.records, record];
    return record;
  }
  async ownerOf() {
    return undefined;
  }
  async remove(id: string) {
    const found = this.records.find((r) => r.id === id)!;
    this.records = this.records.filter((r) => r !== found);
    return found;
  }
}

/** The search as it was before the sorted view: copy, filter, sort, slice on every request. */
function referenceSearch(records: readonly CatalogRecord[], query: StorePluginListQuery): StorePluginList {
  const byNameThenNewest = (a: CatalogRecord, b: CatalogRecord) =>
    a.name === b.name ? semver.rcompare(a.version, b.version) : a.name < b.name ? -1 : 1;
  const text = query.q?.trim().toLowerCase() ?? '';
  const tag = query.tag?.trim().toLowerCase() ?? '';
  const sorted = [...records].sort(byNameThenNewest);
  const entry = (r: CatalogRecord) => ({ ...toCatalogEntry(r), rating: NO_RATING, installs: NO_INSTALLS });
  // One entry per name unless all_versions: the newest, matched on its own fields.
  const listed = query.all_versions
    ? sorted.map(entry)
    : sorted
        .filter((r, i) => sorted[i - 1]?.name !== r.name)
        .map((r) => ({ ...entry(r), versions_count: records.filter((o) => o.name === r.name).length }));
  const matches = listed
    .filter((r) => !tag || r.tags.some((t) => t.toLowerCase() === tag))
    .filter((r) => !text || [r.name, r.description, r.author, ...r.tags].some((field) => field.toLowerCase().includes(text)));
  const start = (query.page - 1) * query.per_page;
  return {
    plugins: matches.slice(start, start + query.per_page),
    total: matches.length,
    page: query.page,
    per_page: query.per_page,
  };
}

// Unsorted on purpose, with several versions of one name (1.10.0 sorts after 1.9.0 only by semver).
const records = [
  catalogRecord(1, 'net_monitor', '1.9.0', { tags: ['Network', 'monitor'], author: 'Ops Team' }),
  catalogRecord(2, 'alpha_tool', '1.0.0', { tags: ['tools'], description: 'First TOOL' }),
  catalogRecord(3, 'net_monitor', '1.10.0', { tags: ['Network'] }),
  catalogRecord(4, 'disk_usage', '0.1.0', { description: 'Shows disk use', author: 'MONITOR inc' }),
  catalogRecord(5, 'beta_tool', '2.0.0-rc.1', { tags: ['tools', 'beta'] }),
  catalogRecord(6, 'beta_tool', '2.0.0', { tags: ['tools'] }),
  catalogRecord(7, 'zeta', '1.0.0', { description: 'Nothing to see' }),
  catalogRecord(8, 'net_monitor', '1.2.3', { tags: ['network'] }),
];

const log = { warn() {} } as unknown as FastifyBaseLogger;
const catalogOf = (repo: CatalogRepository) => new PluginCatalog(repo, {} as PluginStorage, log);

describe('plugin catalog search', () => {
  it('answers exactly what the per-request sort and filter answered, for every q/tag/page/per_page mix', async () => {
    const catalog = catalogOf(new MemoryRepository(records));
    for (const q of [undefined, '', '  ', 'tool', 'TOOL', ' monitor ', 'net', 'nope', 'ops team', 'network']) {
      for (const tag of [undefined, '', 'network', 'TOOLS', 'beta', 'missing']) {
        for (const [page, per_page] of [
          [1, 50],
          [1, 1],
          [2, 1],
          [2, 3],
          [3, 3],
          [9, 2],
          [1, 200],
        ] as const) {
          for (const all_versions of [undefined, false, true]) {
            const query = { q, tag, page, per_page, all_versions };
            expect(await catalog.search(query), JSON.stringify(query)).toEqual(referenceSearch(records, query));
          }
        }
      }
    }
  });

  it('resolves a name to its newest version, by semver', async () => {
    const catalog = catalogOf(new MemoryRepository(records));
    expect((await catalog.resolve('net_monitor')).version).toBe('1.10.0');
    expect((await catalog.resolve('beta_tool')).version).toBe('2.0.0');
    expect((await catalog.resolve(records[0]!.id)).version).toBe('1.9.0');
    await expect(catalog.resolve('unknown')).rejects.toMatchObject({ code: 'PLUGIN_NOT_FOUND' });
  });

  it('sees an added and a removed record on the next search', async () => {
    const repo = new MemoryRepository(records);
    const catalog = catalogOf(repo);
    const names = async () =>
      (await catalog.search({ page: 1, per_page: 50, all_versions: true })).plugins.map((p) => `${p.name}@${p.version}`);
    expect(await names()).toHaveLength(records.length);
    await repo.add(catalogRecord(9, 'aardvark', '1.0.0'));
    expect((await names())[0]).toBe('aardvark@1.0.0');
    expect((await catalog.resolve('aardvark')).id).toBe(catalogRecord(9, 'aardvark', '1.0.0').id);
    await repo.remove(records[2]!.id);
    expect(await names()).not.toContain('net_monitor@1.10.0');
    expect((await catalog.resolve('net_monitor')).version).toBe('1.9.0');
    expect(await catalog.search({ q: 'net', page: 1, per_page: 50 })).toEqual(
      referenceSearch(repo.records, { q: 'net', page: 1, per_page: 50 }),
    );
  });

  it('lists one entry per name, its newest version by semver, matched on its fields only', async () => {
    const catalog = catalogOf(new MemoryRepository(records));
    const page = await catalog.search({ page: 1, per_page: 50 });
    expect(page.total).toBe(5);
    expect(page.plugins.map((p) => `${p.name}@${p.version}#${p.versions_count}`)).toEqual([
      'alpha_tool@1.0.0#1',
      'beta_tool@2.0.0#2',
      'disk_usage@0.1.0#1',
      'net_monitor@1.10.0#3',
      'zeta@1.0.0#1',
    ]);
    // 'monitor' is a tag and the author of net_monitor 1.9.0 only, not of its newest version; the name still matches.
    expect((await catalog.search({ q: 'ops team', page: 1, per_page: 50 })).total).toBe(0);
    expect((await catalog.search({ tag: 'beta', page: 1, per_page: 50 })).total).toBe(0);
    expect((await catalog.search({ tag: 'beta', page: 1, per_page: 50, all_versions: true })).plugins[0]?.version).toBe('2.0.0-rc.1');
    expect((await catalog.search({ page: 1, per_page: 50, all_versions: true })).plugins.every((p) => p.versions_count === undefined)).toBe(
      true,
    );
  });

  it('builds the grouped view, and each sort order, once per catalog change, not per request', async () => {
    const repo = new MemoryRepository(records);
    const gone = { pluginDir: () => path.join(os.tmpdir(), 'oko-no-such-folder') } as unknown as PluginStorage;
    const catalog = new PluginCatalog(repo, gone, log);
    const { view: first } = await catalog.snapshot();
    const byRating = first.ordered('rating', false);
    await catalog.search({ page: 1, per_page: 50, sort: 'rating' });
    const { view: again } = await catalog.snapshot();
    expect(again).toBe(first);
    expect(again.ordered('rating', false)).toBe(byRating);
    await repo.add(catalogRecord(10, 'alpha_tool', '1.1.0'));
    const { view: changed } = await catalog.snapshot();
    expect(changed).not.toBe(first);
    expect(changed.ordered('rating', false)).not.toBe(byRating);
    const after = (await catalog.search({ page: 1, per_page: 50 })).plugins[0];
    expect(after).toMatchObject({ version: '1.1.0', versions_count: 2 });
    expect((await catalog.versionsOf('alpha_tool')).versions.map((v) => v.version)).toEqual(['1.1.0', '1.0.0']);
  });
});

describe('plugin catalog cached answers', () => {
  it('hands out a cached answer without waiting only while its snapshot is current: a write or a due stats fold ends it', async () => {
    const repo = new MemoryRepository(records);
    let due = false;
    const stats: StatsSource = { due: () => due, fold: () => new Map() };
    const catalog = new PluginCatalog(repo, {} as PluginStorage, log, stats);
    expect(catalog.cachedAnswer('page')).toBeUndefined(); // no snapshot yet
    const { version } = await catalog.snapshot();
    const answer = catalog.answers.set(version, 'page', Buffer.from('first'));
    expect(catalog.cachedAnswer('page')).toBe(answer);
    expect(catalog.cachedAnswer('other')).toBeUndefined();

    await repo.add(catalogRecord(11, 'newcomer', '1.0.0'));
    expect(catalog.cachedAnswer('page')).toBeUndefined(); // the write alone ends it, before anyone calls snapshot()
    const next = await catalog.snapshot();
    expect(next.version).not.toBe(version);
    catalog.answers.set(next.version, 'page', Buffer.from('second'));
    expect(catalog.cachedAnswer('page')?.body.toString()).toBe('second');

    due = true; // a review, or download counts past the fold interval
    expect(catalog.cachedAnswer('page')).toBeUndefined();
  });
});

describe('plugin catalog package cache', () => {
  let storagePath: string;
  let storage: LocalPluginStorage;
  let packageFile: string;
  const warn = vi.fn();
  const error = vi.fn();
  const logger = { warn, error } as unknown as FastifyBaseLogger;

  beforeEach(async () => {
    storagePath = await mkdtemp(path.join(os.tmpdir(), 'oko-package-'));
    storage = new LocalPluginStorage(storagePath);
    const pluginDir = path.join(storagePath, 'uploads', 'zip_1', 'extracted');
    await mkdir(pluginDir, { recursive: true });
    await writeFile(path.join(pluginDir, 'manifest.json'), JSON.stringify({ name: 'cached', version: '1.0.0' }));
    await writeFile(path.join(pluginDir, 'index.js'), 'export async function setup() {}\n'.repeat(50));
    packageFile = path.join(storagePath, 'uploads', 'zip_1', 'package.zip');
    warn.mockClear();
    error.mockClear();
  });
  afterEach(async () => {
    await rm(storagePath, { recursive: true, force: true });
  });

  const cachedRecord = (fields: Partial<CatalogRecord>) =>
    catalogRecord(1, 'cached', '1.0.0', { storage: { dir: 'zip_1', plugin_dir: 'extracted' }, ...fields });

  it("rebuilds a cached package whose size is not the catalog entry's, when the rebuild gives the published bytes", async () => {
    const packed = await packPluginDirectory(path.join(storagePath, 'uploads', 'zip_1', 'extracted'), packageFile);
    const repo = new MemoryRepository([cachedRecord(packed)]);
    await truncate(packageFile, 10);
    const pkg = await new PluginCatalog(repo, storage, logger).packageOf('cached');
    expect(pkg).toMatchObject(packed);
    expect(await sha256File(packageFile)).toBe(packed.sha256);
    expect(repo.records[0]).toMatchObject(packed);
    expect(error).not.toHaveBeenCalled();
  });

  it('refuses with PACKAGE_INTEGRITY_ERROR, and never re-records, when a rebuild differs from the published checksum', async () => {
    const published = { size: 100, sha256: 'a'.repeat(64) };
    const repo = new MemoryRepository([cachedRecord(published)]);
    const catalog = new PluginCatalog(repo, storage, logger);
    await expect(catalog.packageOf('cached')).rejects.toMatchObject({ code: 'PACKAGE_INTEGRITY_ERROR', statusCode: 500 });
    expect(repo.records[0]).toMatchObject(published);
    expect(error).toHaveBeenCalledOnce();
    expect(String(error.mock.calls[0]![1])).toMatch(/PACKAGE INTEGRITY: plugin cached 1.0.0/);
    // Nothing half-made is left beside the package.
    expect(await readdir(path.join(storagePath, 'uploads', 'zip_1'))).toEqual(['extracted']);
  });

  it('refuses a cached package of the published size whose bytes changed, and hashes an unchanged one only once', async () => {
    const packed = await packPluginDirectory(path.join(storagePath, 'uploads', 'zip_1', 'extracted'), packageFile);
    const repo = new MemoryRepository([cachedRecord(packed)]);
    const catalog = new PluginCatalog(repo, storage, logger);
    expect(await catalog.packageOf('cached')).toMatchObject(packed);
    const bytes = await readFile(packageFile);
    bytes.writeUInt8(bytes.readUInt8(bytes.length - 30) ^ 0xff, bytes.length - 30);
    await writeFile(path.join(storagePath, 'uploads', 'zip_1', 'extracted', 'index.js'), 'export async function setup() { steal() }\n');
    await writeFile(packageFile, bytes);
    await expect(catalog.packageOf('cached')).rejects.toMatchObject({ code: 'PACKAGE_INTEGRITY_ERROR' });
    expect(repo.records[0]).toMatchObject(packed);
  });
});
