import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { expectErrorAnswer } from '../../../test-support/errors.js';
import { request } from '../../../test-support/http.js';
import { recoverCatalog } from '../src/services/catalog-recovery.js';
import { buildTestStore, catalogFile, json, pluginZip, uploadFolders, uploadZip, type TestStore } from './helpers.js';

// In-process: what the store serves from a broken plugins.json, the entry records, the download's integrity, recovery.

let storage: string;
let store: TestStore | undefined;

afterEach(async () => {
  await store?.close();
  store = undefined;
  await rm(storage, { recursive: true, force: true });
});

/** A store on a fresh folder with `names` published, then closed: the files a test breaks. */
async function publishedStorage(names: string[]): Promise<{ id: string; plugin: any; dir: string }[]> {
  storage = await mkdtemp(path.join(os.tmpdir(), 'oko-store-integrity-'));
  const first = await buildTestStore({ storageDir: storage });
  const published = [];
  for (const name of names) {
    const answer = await json(await uploadZip(first, pluginZip(name, '1.0.0', { author: `${name} team` })));
    published.push({ id: answer.plugin_id, plugin: answer.plugin, dir: '' });
  }
  const file = await catalogFile(first);
  for (const p of published) p.dir = file!.plugins.find((r) => r.id === p.id)!.storage.dir;
  await first.close();
  return published;
}

const open = async () => (store = await buildTestStore({ storageDir: storage }));
const catalogPath = () => path.join(storage, 'plugins.json');
const ids = async (s: TestStore) => (await json(await request(`${s.api}/plugins`))).plugins.map((p: any) => p.id).sort();

describe('entry records and the catalog file', () => {
  it('writes plugins.json compactly and an entry record beside each package, equal to its catalog record', async () => {
    const [a] = await publishedStorage(['compact_one']);
    const text = await readFile(catalogPath(), 'utf8');
    expect(text.trimEnd()).not.toContain('\n');
    const record = JSON.parse(text).plugins[0];
    expect(JSON.parse(await readFile(path.join(storage, 'uploads', a!.dir, 'entry.json'), 'utf8'))).toEqual(record);
  });

  it('a delete takes the entry record, the catalog entry and the folder', async () => {
    const [a, b] = await publishedStorage(['keep_me', 'delete_me']);
    await open();
    expect((await request(`${store!.api}/plugins/${b!.id}`, { method: 'DELETE' })).status).toBe(200);
    expect(await uploadFolders(store!)).toEqual([a!.dir]);
    expect((await catalogFile(store!))!.plugins.map((p) => p.id)).toEqual([a!.id]);
  });
});

describe('a broken plugins.json', () => {
  it.each([
    ['truncated', (text: string) => text.slice(0, text.length / 2)],
    ['empty', () => ''],
    ['garbage', () => '\u0000\u0001 not json at all'],
    ['of another format', (text: string) => text.replace('"format":1', '"format":2')],
  ])('%s: serves every package from the entry records, read-only, and /health says degraded', async (_, breakIt) => {
    const published = await publishedStorage(['alpha', 'beta', 'gamma']);
    const broken = breakIt(await readFile(catalogPath(), 'utf8'));
    await writeFile(catalogPath(), broken);
    await open();

    expect(await ids(store!)).toEqual(published.map((p) => p.id).sort());
    expect(await json(await request(`${store!.api}/plugins/${published[1]!.id}`))).toEqual(published[1]!.plugin);
    const download = await request(`${store!.api}/plugins/${published[0]!.id}/download`);
    expect(download.headers.get('x-checksum-sha256')).toBe(published[0]!.plugin.sha256);
    await download.arrayBuffer();

    const health = await request(`${store!.api}/health`);
    expect(health.status).toBe(200);
    const body = await json(health);
    expect(body).toMatchObject({ status: 'degraded', read_only: true, plugins_count: 3 });
    expect(body.reason).toMatch(/plugins\.json is unreadable/);
    await expectErrorAnswer(await uploadZip(store!, pluginZip('refused')), 503, 'CATALOG_READ_ONLY');
    await expectErrorAnswer(await request(`${store!.api}/plugins/${published[0]!.id}`, { method: 'DELETE' }), 503, 'CATALOG_READ_ONLY');
    expect(await readFile(catalogPath(), 'utf8')).toBe(broken);
    expect((await uploadFolders(store!)).sort()).toEqual(published.map((p) => p.dir).sort());
  });

  it('one record with a bad field: the others stay readable, that one comes from its entry record, /health names it', async () => {
    const published = await publishedStorage(['first', 'second', 'third']);
    const file = JSON.parse(await readFile(catalogPath(), 'utf8'));
    file.plugins[1].size = 'huge';
    await writeFile(catalogPath(), JSON.stringify(file));
    await open();
    expect(await ids(store!)).toEqual(published.map((p) => p.id).sort());
    const body = await json(await request(`${store!.api}/health`));
    expect(body).toMatchObject({ status: 'degraded', read_only: true });
    expect(body.reason).toContain(`1 bad record(s), first #1 (id ${published[1]!.id})`);
  });

  it('a record listed twice is a bad record: the first stays, /health says which', async () => {
    const published = await publishedStorage(['twice', 'once']);
    const file = JSON.parse(await readFile(catalogPath(), 'utf8'));
    file.plugins.push({ ...file.plugins[0], storage: file.plugins[1].storage });
    await writeFile(catalogPath(), JSON.stringify(file));
    await open();
    expect(await ids(store!)).toEqual(published.map((p) => p.id).sort());
    const body = await json(await request(`${store!.api}/health`));
    expect(body).toMatchObject({ status: 'degraded', plugins_count: 2 });
    expect(body.reason).toContain(`#2 (id ${published[0]!.id}): id ${published[0]!.id} appears twice`);
  });

  it('one bad record and no entry record to stand in: the valid records stay readable', async () => {
    const published = await publishedStorage(['left', 'right']);
    const file = JSON.parse(await readFile(catalogPath(), 'utf8'));
    file.plugins[0].sha256 = 42;
    await writeFile(catalogPath(), JSON.stringify(file));
    await rm(path.join(storage, 'uploads', published[0]!.dir, 'entry.json'));
    await open();
    expect(await ids(store!)).toEqual([published[1]!.id]);
    expect((await json(await request(`${store!.api}/health`))).status).toBe('degraded');
    // Read-only keeps even the folder nothing describes any more.
    expect((await uploadFolders(store!)).sort()).toEqual(published.map((p) => p.dir).sort());
  });
});

describe('a record whose version is not semver (a hand-edited plugins.json)', () => {
  it('does not take the list, the search or the other names down: it sorts last within its name', async () => {
    const published = await publishedStorage(['odd_version', 'fine_version']);
    const newer = (await json(await uploadZip(await open(), pluginZip('odd_version', '1.1.0')))).plugin_id;
    await store!.close();
    const file = JSON.parse(await readFile(catalogPath(), 'utf8'));
    file.plugins[0].version = '1.0';
    await writeFile(catalogPath(), JSON.stringify(file));
    await open();
    expect(await ids(store!)).toEqual([newer, published[1]!.id].sort());
    expect((await json(await request(`${store!.api}/plugins?all_versions=true&q=version`))).total).toBe(3);
    expect((await json(await request(`${store!.api}/plugins/odd_version`))).id).toBe(newer);
    const { versions } = await json(await request(`${store!.api}/plugins/odd_version/versions`));
    expect(versions.map((v: any) => v.version)).toEqual(['1.1.0', '1.0']);
  });
});

describe('a record published before manifests had engines and dependencies', () => {
  it('stays readable and writable with the npm-style fields a manifest could carry then', async () => {
    const published = await publishedStorage(['legacy_manifest', 'other_manifest']);
    const file = JSON.parse(await readFile(catalogPath(), 'utf8'));
    file.plugins[0].manifest.engines = 'node >= 18';
    file.plugins[0].manifest.dependencies = { 'node-fetch': '^3.0.0', '@scope/pkg': { version: 1 } };
    file.plugins[1].manifest.engines = { node: '>=20', oko: 1 };
    await writeFile(catalogPath(), JSON.stringify(file));
    await open();
    expect((await json(await request(`${store!.api}/health`))).status).toBe('healthy');
    expect(await ids(store!)).toEqual(published.map((p) => p.id).sort());
    for (const name of ['legacy_manifest', 'other_manifest']) {
      const { versions } = await json(await request(`${store!.api}/plugins/${name}/versions`));
      expect(versions[0]).toMatchObject({ engines: null, dependencies: {} });
      const { manifest } = await json(await request(`${store!.api}/plugins/${name}`));
      expect(manifest).not.toHaveProperty('dependencies');
      expect(manifest).not.toHaveProperty('engines');
    }
    // Still writable: a new version of the legacy plugin publishes.
    expect((await uploadZip(store!, pluginZip('legacy_manifest', '1.1.0'))).status).toBe(201);
  });
});

describe('a missing plugins.json', () => {
  it('keeps every upload folder, serves their entry records read-only, and says how to recover', async () => {
    const published = await publishedStorage(['one', 'two']);
    await rm(catalogPath());
    await open();
    expect((await uploadFolders(store!)).sort()).toEqual(published.map((p) => p.dir).sort());
    expect(await ids(store!)).toEqual(published.map((p) => p.id).sort());
    const body = await json(await request(`${store!.api}/health`));
    expect(body).toMatchObject({ status: 'degraded', read_only: true });
    expect(body.reason).toMatch(/plugins\.json is missing while uploads\/ holds 2 published package folder/);
    await expectErrorAnswer(await uploadZip(store!, pluginZip('refused')), 503, 'CATALOG_READ_ONLY');
    await expect(stat(catalogPath())).rejects.toThrow();
  });

  it('a store whose only folder is an import cut off before packing starts fresh and writable', async () => {
    storage = await mkdtemp(path.join(os.tmpdir(), 'oko-store-integrity-'));
    await mkdir(path.join(storage, 'uploads', 'zip_20240101_000000', 'extracted'), { recursive: true });
    await open();
    expect(await json(await request(`${store!.api}/health`))).toMatchObject({ status: 'healthy', read_only: false });
    expect(await uploadFolders(store!)).toEqual([]);
  });
});

describe('recovery', () => {
  it('rebuilds plugins.json from the uploads with the same ids, created_at, source and author', async () => {
    const published = await publishedStorage(['red', 'green', 'blue']);
    await rm(catalogPath());
    const report = await recoverCatalog(storage);
    expect(report).toMatchObject({ catalog: 'missing', total: 3, fromEntryRecords: 3, rebuilt: [], skipped: [] });
    await open();
    expect(await json(await request(`${store!.api}/health`))).toMatchObject({ status: 'healthy', plugins_count: 3 });
    for (const p of published) expect(await json(await request(`${store!.api}/plugins/${p.id}`))).toEqual(p.plugin);
  });

  it('keeps a broken plugins.json beside, and makes a record from the files of a folder that has none', async () => {
    const published = await publishedStorage(['legacy', 'recorded']);
    await writeFile(catalogPath(), '{"format":1,"plugins":[');
    await rm(path.join(storage, 'uploads', published[0]!.dir, 'entry.json'));
    const report = await recoverCatalog(storage);
    expect(report.rebuilt).toEqual([expect.objectContaining({ dir: published[0]!.dir, name: 'legacy', version: '1.0.0' })]);
    expect(await readFile(report.keptAs!, 'utf8')).toBe('{"format":1,"plugins":[');
    await open();
    const legacy = await json(await request(`${store!.api}/plugins/legacy`));
    // A new id, but the published package and its checksum: the download still verifies.
    expect(legacy).toMatchObject({ source: 'zip_upload', author: 'legacy team', sha256: published[0]!.plugin.sha256 });
    expect(await json(await request(`${store!.api}/plugins/${published[1]!.id}`))).toEqual(published[1]!.plugin);
    expect((await request(`${store!.api}/plugins/${legacy.id}/download`)).status).toBe(200);
  });
});

describe('package integrity', () => {
  it('a package rebuilt from a changed extracted/ is a 500 PACKAGE_INTEGRITY_ERROR, and the entry keeps its checksum', async () => {
    const [p] = await publishedStorage(['tampered']);
    const folder = path.join(storage, 'uploads', p!.dir);
    await rm(path.join(folder, 'package.zip'));
    await writeFile(path.join(folder, 'extracted', 'index.js'), 'export async function setup(ctx) { /* not what was published */ }\n');
    await open();
    const message = await expectErrorAnswer(await request(`${store!.api}/plugins/${p!.id}/download`), 500, 'PACKAGE_INTEGRITY_ERROR');
    expect(message).toMatch(/no longer matches its published size and sha256/);
    expect(await json(await request(`${store!.api}/plugins/${p!.id}`))).toEqual(p!.plugin);
    expect((await catalogFile(store!))!.plugins[0]).toMatchObject({ sha256: p!.plugin.sha256, size: p!.plugin.size });
  });

  it('a lost package.zip whose folder is unchanged is rebuilt with the published checksum', async () => {
    const [p] = await publishedStorage(['restored']);
    await rm(path.join(storage, 'uploads', p!.dir, 'package.zip'));
    await open();
    const download = await request(`${store!.api}/plugins/${p!.id}/download`);
    expect(download.status).toBe(200);
    expect(download.headers.get('x-checksum-sha256')).toBe(p!.plugin.sha256);
    expect((await download.arrayBuffer()).byteLength).toBe(p!.plugin.size);
  });
});
