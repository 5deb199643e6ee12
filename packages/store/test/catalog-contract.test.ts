import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { StorePluginListQuery } from '@oko/shared';
import { describe, expect, it } from 'vitest';
import { ADMIN, type CatalogRecord } from '../src/services/catalog-record.js';
import { JsonCatalogRepository, type CatalogRepository } from '../src/services/catalog-repository.js';
import { PluginCatalog } from '../src/services/plugin-catalog.js';
import { LocalPluginStorage } from '../src/services/plugin-storage.js';
import { catalogRecord as record, openReplica, recordingLog, usePostgres } from './pg-helpers.js';

/*
 * The CatalogRepository contract (services/catalog-repository.ts), run against plugins.json and
 * against PostgreSQL: both must answer every call the same way, so nothing above the interface
 * can tell which one it has.
 */

const postgres = usePostgres();
const closing = postgres.cleanups;
const { log } = recordingLog();

interface Subject {
  repo: CatalogRepository;
  /** The same catalog as a store starting now reads it (a new process, or another replica). */
  reopen(): Promise<CatalogRepository>;
  storage: string;
}

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'oko-contract-'));
  await mkdir(path.join(dir, 'uploads'));
  closing.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

const implementations: { kind: string; open(): Promise<Subject> }[] = [
  {
    kind: 'plugins.json',
    async open() {
      const dir = await tempDir();
      return { repo: await JsonCatalogRepository.open(dir, log), reopen: () => JsonCatalogRepository.open(dir, log), storage: dir };
    },
  },
  {
    kind: 'PostgreSQL',
    async open() {
      const url = await postgres.server.createDatabase('contract');
      const replica = async () => {
        const opened = await openReplica(url, log);
        closing.push(opened.close);
        return opened.catalog;
      };
      return { repo: await replica(), reopen: replica, storage: await tempDir() };
    },
  },
];

const alice = { id: 'a1', name: 'alice' };
const bob = { id: 'b2', name: 'bob' };

describe.each(implementations)('the catalog repository on $kind', ({ open }) => {
  it('hands out the same list until the catalog changes, and a new one after each change, never changing one in place', async () => {
    const { repo } = await open();
    const empty = await repo.list();
    expect(await repo.list()).toBe(empty);
    const added = await repo.add(record(1, 'demo', '1.0.0'), alice);
    const one = await repo.list();
    expect(one).not.toBe(empty);
    expect(empty).toEqual([]);
    expect(one.map((r) => r.id)).toEqual([added.id]);
    expect(await repo.list()).toBe(one);
    await repo.remove(added.id, alice);
    const none = await repo.list();
    expect(none).not.toBe(one);
    expect(one).toHaveLength(1);
    expect(none).toEqual([]);
  });

  it('stores a record with its publisher and owner, finds it by id, and reads it back the same after a restart', async () => {
    const { repo, reopen } = await open();
    const stored = await repo.add(record(1, 'demo', '1.0.0', { tags: ['Net'] }), alice);
    expect(stored).toMatchObject({ id: record(1, 'demo', '1.0.0').id, publisher: 'alice', owner: alice, tags: ['Net'] });
    expect(await repo.get(stored.id)).toEqual(stored);
    expect(await repo.get('0000000000ff')).toBeUndefined();
    const again = await reopen();
    expect(await again.list()).toEqual([stored]);
    expect(await again.ownerOf('demo')).toEqual(alice);
    expect(again.readOnlyReason).toBeNull();
  });

  it('refuses a version already there with 409 PLUGIN_ALREADY_EXISTS naming the stored entry in details', async () => {
    const { repo } = await open();
    const first = await repo.add(record(1, 'demo', '1.0.0'), alice);
    const refused = repo.add(record(2, 'demo', '1.0.0', {}, 'other bytes'), alice);
    await expect(refused).rejects.toMatchObject({
      code: 'PLUGIN_ALREADY_EXISTS',
      statusCode: 409,
      message: `Plugin 'demo' version 1.0.0 is already in the catalog (id ${first.id})`,
      details: { plugin_id: first.id, name: 'demo', version: '1.0.0' },
    });
    expect((await repo.list()).map((r) => r.id)).toEqual([first.id]);
  });

  it('counts 1.0.0+build.2 as 1.0.0 (build metadata is not a new version), either way round', async () => {
    const { repo } = await open();
    const built = await repo.add(record(1, 'demo', '1.0.0+build.1'), alice);
    await expect(repo.add(record(2, 'demo', '1.0.0'), alice)).rejects.toMatchObject({
      code: 'PLUGIN_ALREADY_EXISTS',
      details: { plugin_id: built.id, name: 'demo', version: '1.0.0+build.1' },
    });
    await expect(repo.add(record(3, 'demo', '1.0.0+build.2'), alice)).rejects.toMatchObject({ code: 'PLUGIN_ALREADY_EXISTS' });
    await repo.add(record(4, 'demo', '1.0.1'), alice);
    await repo.add(record(5, 'demo', '1.0.1-rc.1'), alice); // a prerelease is another version
    expect((await repo.list()).map((r) => r.version).sort()).toEqual(['1.0.0+build.1', '1.0.1', '1.0.1-rc.1']);
  });

  it('makes the first publisher of a name its owner, refuses others with NOT_OWNER, and lets the admin publish any name', async () => {
    const { repo } = await open();
    expect(await repo.ownerOf('demo')).toBeUndefined();
    await repo.add(record(1, 'demo', '1.0.0'), alice);
    expect(await repo.ownerOf('demo')).toEqual(alice);
    await expect(repo.add(record(2, 'demo', '2.0.0'), bob)).rejects.toMatchObject({
      code: 'NOT_OWNER',
      statusCode: 403,
      details: { owner: 'alice' },
      message: expect.stringContaining("belongs to publisher 'alice'"),
    });
    // The admin publishes under the owner's name; the owner does not change.
    expect(await repo.add(record(3, 'demo', '3.0.0'), ADMIN)).toMatchObject({ publisher: 'alice', owner: alice });
    const adminsOwn = await repo.add(record(4, 'tools', '1.0.0'), ADMIN);
    expect(adminsOwn).toMatchObject({ publisher: 'admin', owner: ADMIN });
    await expect(repo.add(record(5, 'tools', '1.0.1'), alice)).rejects.toMatchObject({ code: 'NOT_OWNER', details: { owner: 'admin' } });
    expect((await repo.list()).map((r) => r.version)).toEqual(['1.0.0', '3.0.0', '1.0.0']);
  });

  it('decides two concurrent first publishes of one name: exactly one owns it', async () => {
    const { repo } = await open();
    const results = await Promise.allSettled([repo.add(record(1, 'raced', '1.0.0'), alice), repo.add(record(2, 'raced', '1.0.1'), bob)]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const refused = results.find((r) => r.status === 'rejected')!.reason as { code: string };
    expect(refused.code).toBe('NOT_OWNER');
    const winner = (results.find((r) => r.status === 'fulfilled') as PromiseFulfilledResult<CatalogRecord>).value;
    expect(await repo.ownerOf('raced')).toEqual(winner.owner);
  });

  it('removes a record and returns it: 404 PLUGIN_NOT_FOUND when absent, NOT_OWNER for another publisher, the admin may', async () => {
    const { repo } = await open();
    const first = await repo.add(record(1, 'demo', '1.0.0'), alice);
    const second = await repo.add(record(2, 'demo', '2.0.0'), alice);
    await expect(repo.remove('0000000000ff', alice)).rejects.toMatchObject({ code: 'PLUGIN_NOT_FOUND', statusCode: 404 });
    await expect(repo.remove(first.id, bob)).rejects.toMatchObject({ code: 'NOT_OWNER', details: { owner: 'alice' } });
    expect(await repo.remove(first.id, alice)).toEqual(first);
    expect(await repo.get(first.id)).toBeUndefined();
    await expect(repo.remove(first.id, alice)).rejects.toMatchObject({ code: 'PLUGIN_NOT_FOUND' });
    expect(await repo.remove(second.id, ADMIN)).toEqual(second);
    expect(await repo.list()).toEqual([]);
  });

  it('keeps a name owned after its last version is deleted: nobody else can take it over', async () => {
    const { repo, reopen } = await open();
    const only = await repo.add(record(1, 'kept', '1.0.0'), alice);
    await repo.remove(only.id, alice);
    expect(await repo.ownerOf('kept')).toEqual(alice);
    await expect(repo.add(record(2, 'kept', '2.0.0'), bob)).rejects.toMatchObject({ code: 'NOT_OWNER' });
    expect(await (await reopen()).ownerOf('kept')).toEqual(alice);
    expect(await repo.add(record(3, 'kept', '2.0.0'), alice)).toMatchObject({ publisher: 'alice' });
  });

  it('answers searches through PluginCatalog: case-insensitive substring over name, display name, description, author and tags', async () => {
    const { repo, storage } = await open();
    const storage_ = new LocalPluginStorage(storage);
    const plugins = new PluginCatalog(repo, storage_, log);
    await repo.add(record(1, 'net_probe', '1.0.0', { tags: ['Network'], author: 'Ana Lopez' }), alice);
    await repo.add(record(2, 'disk_watch', '1.0.0', { description: 'Watches DISK usage' }), alice);
    const names = async (query: Partial<StorePluginListQuery>) =>
      (await plugins.search({ page: 1, per_page: 50, ...query })).plugins.map((p) => p.name);
    expect(await names({ q: 'NET' })).toEqual(['net_probe']);
    expect(await names({ q: 'lopez' })).toEqual(['net_probe']);
    expect(await names({ q: 'disk usage' })).toEqual(['disk_watch']);
    expect(await names({ q: '_' })).toEqual(['disk_watch', 'net_probe']);
    expect(await names({ tag: 'network' })).toEqual(['net_probe']);
    expect(await names({ q: 'nothing-like-it' })).toEqual([]);
  });
});

describe('search on both implementations', () => {
  it('gives the same answers from plugins.json and from PostgreSQL (as another replica reads it) for the same catalog', async () => {
    const [json, pg] = await Promise.all(implementations.map((i) => i.open()));
    const records = [
      record(1, 'net_probe', '1.0.0', { tags: ['Network', 'probe'], author: 'Ana Lopez' }),
      record(2, 'net_probe', '1.2.0', { tags: ['Network'], author: 'Ana Lopez', description: 'Pings hosts' }),
      record(3, 'net_probe', '2.0.0-beta.1', { tags: ['network'] }),
      record(4, 'disk_watch', '0.3.0', { description: 'Watches DISK usage', tags: ['Storage'] }),
      record(5, 'weather_now', '1.0.0', {
        manifest: { name: 'weather_now', version: '1.0.0', display_name: 'Météo' },
      } as Partial<CatalogRecord>),
      record(6, 'zeta', '10.0.0', { author: 'Zed', tags: ['misc', 'PROBE'] }),
      record(7, 'zeta', '9.0.0', { author: 'Zed' }),
    ];
    for (const [i, r] of records.entries()) {
      const by = i % 2 ? alice : ADMIN;
      await json!.repo.add(r, by).catch(() => json!.repo.add(r, ADMIN));
      await pg!.repo.add(r, by).catch(() => pg!.repo.add(r, ADMIN));
    }
    const storage = new LocalPluginStorage(json!.storage);
    const fromJson = new PluginCatalog(json!.repo, storage, log);
    const fromPg = new PluginCatalog(await pg!.reopen(), storage, log);
    const queries: Partial<StorePluginListQuery>[] = [
      {},
      { q: 'PROBE' },
      { q: 'probe', all_versions: true },
      { q: 'météo' },
      { q: 'watches disk' },
      { q: 'ana' },
      { tag: 'NETWORK' },
      { tag: 'network', all_versions: true },
      { q: 'e', per_page: 2, page: 2 },
      { q: 'z', sort: 'name' },
      { q: '', all_versions: true, per_page: 3 },
    ];
    for (const query of queries) {
      const full = { page: 1, per_page: 50, ...query };
      const [a, b] = [await fromJson.search(full), await fromPg.search(full)];
      expect(b, JSON.stringify(query)).toEqual(a);
    }
    expect((await fromPg.search({ page: 1, per_page: 50, q: 'probe' })).total).toBe(2);
  });
});
