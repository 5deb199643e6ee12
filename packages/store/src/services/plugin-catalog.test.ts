import type { FastifyBaseLogger } from 'fastify';
import semver from 'semver';
import { describe, expect, it } from 'vitest';
import type { StorePluginList, StorePluginListQuery } from '@oko/shared';
import { toCatalogEntry, type CatalogRecord } from './catalog-record.js';
import type { CatalogRepository } from './catalog-repository.js';
import { PluginCatalog } from './plugin-catalog.js';
import type { PluginStorage } from './plugin-storage.js';

/** A repository in memory that, like the JSON one, hands out a new array on every change. */
class MemoryRepository implements CatalogRepository {
  readOnlyReason = null;
  constructor(public records: readonly CatalogRecord[]) {}
  async list() {
    return this.records;
  }
  async get(id: string) {
    return this.records.find((r) => r.id === id);
  }
  async add(record: CatalogRecord) {
    this.records = [...this.records, record];
  }
  async remove(id: string) {
    const found = this.records.find((r) => r.id === id)!;
    this.records = this.records.filter((r) => r !== found);
    return found;
  }
}

function record(i: number, name: string, version: string, fields: Partial<CatalogRecord> = {}): CatalogRecord {
  return {
    id: i.toString(16).padStart(12, '0'),
    name,
    version,
    description: `Plugin ${name}`,
    author: 'Someone',
    tags: [],
    source: 'zip_upload',
    source_url: null,
    manifest: { name, version },
    ui: null,
    size: 100,
    sha256: 'a'.repeat(64),
    created_at: '2024-01-01T00:00:00.000Z',
    storage: { dir: `zip_${i}`, plugin_dir: 'extracted' },
    ...fields,
  } as CatalogRecord;
}

/** The search as it was before the sorted view: copy, filter, sort, slice on every request. */
function referenceSearch(records: readonly CatalogRecord[], query: StorePluginListQuery): StorePluginList {
  const byNameThenNewest = (a: CatalogRecord, b: CatalogRecord) => (a.name === b.name ? semver.rcompare(a.version, b.version) : a.name < b.name ? -1 : 1);
  const text = query.q?.trim().toLowerCase() ?? '';
  const tag = query.tag?.trim().toLowerCase() ?? '';
  const matches = [...records]
    .filter((r) => !tag || r.tags.some((t) => t.toLowerCase() === tag))
    .filter((r) => !text || [r.name, r.description, r.author, ...r.tags].some((field) => field.toLowerCase().includes(text)))
    .sort(byNameThenNewest);
  const start = (query.page - 1) * query.per_page;
  return { plugins: matches.slice(start, start + query.per_page).map(toCatalogEntry), total: matches.length, page: query.page, per_page: query.per_page };
}

// Unsorted on purpose, with several versions of one name (1.10.0 sorts after 1.9.0 only by semver).
const records = [
  record(1, 'net_monitor', '1.9.0', { tags: ['Network', 'monitor'], author: 'Ops Team' }),
  record(2, 'alpha_tool', '1.0.0', { tags: ['tools'], description: 'First TOOL' }),
  record(3, 'net_monitor', '1.10.0', { tags: ['Network'] }),
  record(4, 'disk_usage', '0.1.0', { description: 'Shows disk use', author: 'MONITOR inc' }),
  record(5, 'beta_tool', '2.0.0-rc.1', { tags: ['tools', 'beta'] }),
  record(6, 'beta_tool', '2.0.0', { tags: ['tools'] }),
  record(7, 'zeta', '1.0.0', { description: 'Nothing to see' }),
  record(8, 'net_monitor', '1.2.3', { tags: ['network'] }),
];

const log = { warn() {} } as unknown as FastifyBaseLogger;
const catalogOf = (repo: CatalogRepository) => new PluginCatalog(repo, {} as PluginStorage, log);

describe('plugin catalog search', () => {
  it('answers exactly what the per-request sort and filter answered, for every q/tag/page/per_page mix', async () => {
    const catalog = catalogOf(new MemoryRepository(records));
    for (const q of [undefined, '', '  ', 'tool', 'TOOL', ' monitor ', 'net', 'nope', 'ops team', 'network']) {
      for (const tag of [undefined, '', 'network', 'TOOLS', 'beta', 'missing']) {
        for (const [page, per_page] of [[1, 50], [1, 1], [2, 1], [2, 3], [3, 3], [9, 2], [1, 200]] as const) {
          const query = { q, tag, page, per_page };
          expect(await catalog.search(query), JSON.stringify(query)).toEqual(referenceSearch(records, query));
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
    const names = async () => (await catalog.search({ page: 1, per_page: 50 })).plugins.map((p) => `${p.name}@${p.version}`);
    expect(await names()).toHaveLength(records.length);
    await repo.add(record(9, 'aardvark', '1.0.0'));
    expect((await names())[0]).toBe('aardvark@1.0.0');
    expect((await catalog.resolve('aardvark')).id).toBe(record(9, 'aardvark', '1.0.0').id);
    await repo.remove(records[2]!.id);
    expect(await names()).not.toContain('net_monitor@1.10.0');
    expect((await catalog.resolve('net_monitor')).version).toBe('1.9.0');
    expect(await catalog.search({ q: 'net', page: 1, per_page: 50 })).toEqual(referenceSearch(repo.records, { q: 'net', page: 1, per_page: 50 }));
  });
});
