import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { post, request } from '../../../test-support/http.js';
import { startPostgres, type PostgresServer } from '../../../test-support/postgres.js';
import { startS3, type S3Server } from '../../../test-support/s3.js';
import { buildTestStore, json, pluginZip, uploadZip, type TestStore } from './helpers.js';

/*
 * `npm run store:migrate -- --from <folder>` (the built packages/store/dist/migrate.js, as the
 * script runs it): an embedded store with owners, tokens, reviews and counted downloads moves into
 * a real PostgreSQL (and s3rver), and a store started there serves the same catalog and bytes.
 */
const run = promisify(execFile);
const MIGRATE = path.resolve(import.meta.dirname, '../dist/migrate.js');
const KEY = 'admin-key-0123456789';
const ADMIN = { 'x-api-key': KEY };
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

let pgServer: PostgresServer;
let s3: S3Server;
let embedded: string;
const temp: string[] = [];
let alice: string;
let dash: string;

async function folder(prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  temp.push(dir);
  return dir;
}

async function migrate(from: string, env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return run(process.execPath, [MIGRATE, '--from', from], { env: { ...process.env, ...env } }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
  );
}

async function count(url: string, table: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return Number((await client.query(`SELECT count(*) AS n FROM ${table}`)).rows[0].n);
  } finally {
    await client.end();
  }
}

/** Every version, sorted, with what a client sees of it. */
async function catalogOf(store: { api: string }) {
  const list = await json(await request(`${store.api}/plugins?all_versions=true&per_page=200`));
  return (list.plugins as { id: string; name: string; version: string; sha256: string; publisher: string }[])
    .map(({ id, name, version, sha256, publisher }) => ({ id, name, version, sha256, publisher }))
    .sort((a, b) => a.id.localeCompare(b.id));
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

const AWS_VARS = ['AWS_REGION', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'] as const;
const savedAws = AWS_VARS.map((key) => process.env[key]);

beforeAll(async () => {
  pgServer = await startPostgres();
  s3 = await startS3();
  // The in-process store on S3 reads region and keys as the SDK does, from the environment.
  for (const key of AWS_VARS) process.env[key] = s3.env[key];
  embedded = await folder('oko-migrate-src-');
  const store = await buildTestStore({ storageDir: embedded, env: { OKO_STORE_API_KEY: KEY, OKO_STORE_STATS_FOLD_S: '0' } });
  try {
    const token = async (name: string, kind: string) =>
      (await json(await post(`${store.api}/publishers`, { name, kind }, ADMIN))).token as string;
    alice = await token('alice', 'publisher');
    dash = await token('dash', 'dashboard');
    expect((await uploadZip(store, pluginZip('alice_tool', '1.0.0'), bearer(alice))).status).toBe(201);
    expect((await uploadZip(store, pluginZip('alice_tool', '1.1.0'), bearer(alice))).status).toBe(201);
    expect((await uploadZip(store, pluginZip('admin_tool', '2.0.0'), ADMIN)).status).toBe(201);
    for (let i = 0; i < 3; i++) await (await request(`${store.api}/plugins/alice_tool/download`, { headers: bearer(dash) })).arrayBuffer();
    const review = await post(`${store.api}/plugins/alice_tool/reviews`, { rating: 4, title: 'Solid', body: 'Does it' }, bearer(dash));
    expect(review.status).toBe(201);
  } finally {
    await store.close(); // writes stats.json
  }
});

afterAll(async () => {
  AWS_VARS.forEach((key, i) => (savedAws[i] === undefined ? delete process.env[key] : (process.env[key] = savedAws[i])));
  await s3?.stop();
  await pgServer?.stop();
  await Promise.all(temp.map((dir) => rm(dir, { recursive: true, force: true })));
});

/** The same entries, and each downloads as the very package.zip of the embedded folder (read from disk: no download is counted there). */
async function expectSameStore(target: TestStore, source: TestStore): Promise<void> {
  expect(await catalogOf(target)).toEqual(await catalogOf(source));
  const { plugins } = JSON.parse(await readFile(path.join(embedded, 'plugins.json'), 'utf8'));
  for (const record of plugins as { id: string; sha256: string; storage: { dir: string } }[]) {
    const bytes = Buffer.from(await (await request(`${target.api}/plugins/${record.id}/download`)).arrayBuffer());
    expect(sha256(bytes)).toBe(record.sha256);
    expect(bytes.equals(await readFile(path.join(embedded, 'uploads', record.storage.dir, 'package.zip')))).toBe(true);
  }
}

describe('store:migrate into PostgreSQL and S3', () => {
  let url: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    url = await pgServer.createDatabase('migrate_s3');
    env = { ...s3.env, OKO_STORE_DATABASE_URL: url, OKO_STORE_STORAGE_PATH: await folder('oko-migrate-scratch-') };
  });

  it('copies catalog, owners, tokens, reviews and counts, and a store there serves the same catalog and bytes', async () => {
    const first = await migrate(embedded, env);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/catalog entries: 3 added, 0 already there/);
    expect(first.stdout).toMatch(/packages: 3 stored in S3/);
    expect(first.stdout).toMatch(/tokens: 2 added/);
    expect(first.stdout).toMatch(/reviews: 1 added/);
    // The admin key is a setting, not a row: the summary says to carry it over.
    expect(first.stdout).toMatch(/and the OKO_STORE_API_KEY the embedded store had/);
    // Content-addressed: one object per package, named by its SHA-256.
    const listed = await s3.client.send(new ListObjectsV2Command({ Bucket: s3.bucket }));
    const { plugins } = JSON.parse(await readFile(path.join(embedded, 'plugins.json'), 'utf8'));
    expect((listed.Contents ?? []).map((o) => o.Key).sort()).toEqual(
      plugins.map((p: { sha256: string }) => `packages/sha256/${p.sha256}.zip`).sort(),
    );

    const source = await buildTestStore({ storageDir: embedded, env: { OKO_STORE_API_KEY: KEY } });
    const target = await buildTestStore({ env: { ...env, OKO_STORE_API_KEY: KEY, OKO_STORE_STATS_FOLD_S: '0' } });
    try {
      // Counts and reviews came along (the entry's fold, and the review list); then the catalog and its bytes.
      const entry = await json(await request(`${target.api}/plugins/alice_tool`));
      expect(entry.installs).toEqual({ downloads: 3, instances: 1 });
      expect(entry.rating).toEqual({ average: 4, count: 1 });
      const reviews = await json(await request(`${target.api}/plugins/alice_tool/reviews`));
      expect(reviews.reviews.map((r: { title: string; reviewer: string }) => [r.title, r.reviewer])).toEqual([['Solid', 'dash']]);
      await expectSameStore(target, source);
      // The tokens still work, and the owner table still decides: alice publishes her name, not the admin's.
      expect((await uploadZip(target, pluginZip('alice_tool', '1.2.0'), bearer(alice))).status).toBe(201);
      expect((await uploadZip(target, pluginZip('admin_tool', '2.1.0'), bearer(alice))).status).toBe(403);
    } finally {
      await source.close();
      await target.close();
    }
  });

  it('adds nothing on a second run and says what it skipped', async () => {
    const before = await Promise.all(['catalog_records', 'publishers', 'reviews', 'install_counts'].map((t) => count(url, t)));
    const second = await migrate(embedded, env);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toMatch(/catalog entries: 0 added, 3 already there/);
    expect(second.stdout).toMatch(/skipped alice_tool 1\.0\.0 \(id [0-9a-f]{12}\): already in the database/);
    expect(second.stdout).toMatch(/tokens: 0 added, 2 already there/);
    expect(second.stdout).toMatch(/reviews: 0 added, 1 already there/);
    expect(second.stdout).toMatch(/install counters \(plugin names\): 0 added, 1 already there/);
    expect(await Promise.all(['catalog_records', 'publishers', 'reviews', 'install_counts'].map((t) => count(url, t)))).toEqual(before);
  });
});

describe('store:migrate into PostgreSQL with packages on local disk', () => {
  it("copies the upload folders to the target's OKO_STORE_STORAGE_PATH, and the rows name them there", async () => {
    const url = await pgServer.createDatabase('migrate_disk');
    const storage = await folder('oko-migrate-disk-');
    const result = await migrate(embedded, { OKO_STORE_DATABASE_URL: url, OKO_STORE_STORAGE_PATH: storage });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/packages: 3 upload folder\(s\) copied/);
    const source = await buildTestStore({ storageDir: embedded });
    const target = await buildTestStore({ storageDir: storage, env: { OKO_STORE_DATABASE_URL: url } });
    try {
      await expectSameStore(target, source);
    } finally {
      await source.close();
      await target.close();
    }
  });

  it('leaves the folders where they are when OKO_STORE_STORAGE_PATH is the --from folder', async () => {
    const url = await pgServer.createDatabase('migrate_in_place');
    const result = await migrate(embedded, { OKO_STORE_DATABASE_URL: url, OKO_STORE_STORAGE_PATH: embedded });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/catalog entries: 3 added.*the rows name the upload folders where they are/s);
    const source = await buildTestStore({ storageDir: embedded });
    const target = await buildTestStore({ storageDir: embedded, env: { OKO_STORE_DATABASE_URL: url } });
    try {
      await expectSameStore(target, source);
    } finally {
      await source.close();
      await target.close();
    }
  });

  it('skips, never overwrites, a name the target already gives another owner, and copies the rest', async () => {
    const url = await pgServer.createDatabase('migrate_taken');
    const storage = await folder('oko-migrate-taken-');
    // Someone published alice_tool on the new store before the move.
    const early = await buildTestStore({ storageDir: storage, env: { OKO_STORE_DATABASE_URL: url, OKO_STORE_API_KEY: KEY } });
    try {
      const mallory = (await json(await post(`${early.api}/publishers`, { name: 'mallory', kind: 'publisher' }, ADMIN))).token;
      expect((await uploadZip(early, pluginZip('alice_tool', '0.9.0'), bearer(mallory))).status).toBe(201);
    } finally {
      await early.close();
    }
    const result = await migrate(embedded, { OKO_STORE_DATABASE_URL: url, OKO_STORE_STORAGE_PATH: storage });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/catalog entries: 1 added, 2 already there/);
    expect(result.stdout).toMatch(/skipped alice_tool 1\.0\.0 \(id [0-9a-f]{12}\): .*belongs to publisher 'mallory'/);
    const target = await buildTestStore({ storageDir: storage, env: { OKO_STORE_DATABASE_URL: url } });
    try {
      const listed = await catalogOf(target);
      expect(listed.map((e) => `${e.name}@${e.version}:${e.publisher}`).sort()).toEqual([
        'admin_tool@2.0.0:admin',
        'alice_tool@0.9.0:mallory',
      ]);
      // No folder of a skipped entry is left behind in the target's uploads/.
      expect((await readdir(path.join(storage, 'uploads'))).length).toBe(2);
    } finally {
      await target.close();
    }
  });
});

describe('store:migrate refuses what it cannot copy faithfully', () => {
  it('refuses a read-only catalog (plugins.json broken) and points at store:recover; nothing is written', async () => {
    const broken = await folder('oko-migrate-broken-');
    await cp(embedded, broken, { recursive: true });
    const file = path.join(broken, 'plugins.json');
    await writeFile(file, (await readFile(file, 'utf8')).slice(0, 40));
    const url = await pgServer.createDatabase('migrate_refused');
    const result = await migrate(broken, { OKO_STORE_DATABASE_URL: url, OKO_STORE_STORAGE_PATH: broken });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/plugins\.json is unreadable .*read-only.*npm run store:recover/s);
    // Nothing was written: not even the schema (the source is checked before the database is opened).
    await expect(count(url, 'catalog_records')).rejects.toThrow(/does not exist/);
  });

  it('refuses a package that does not match its entry (a row must never point at other bytes)', async () => {
    const tampered = await folder('oko-migrate-tampered-');
    await cp(embedded, tampered, { recursive: true });
    const { plugins } = JSON.parse(await readFile(path.join(tampered, 'plugins.json'), 'utf8'));
    await writeFile(path.join(tampered, 'uploads', plugins[0].storage.dir, 'package.zip'), pluginZip('other', '9.9.9'));
    const url = await pgServer.createDatabase('migrate_tampered');
    const result = await migrate(tampered, { OKO_STORE_DATABASE_URL: url, OKO_STORE_STORAGE_PATH: tampered });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/does not match the size and SHA-256/);
  });

  it('refuses without OKO_STORE_DATABASE_URL, and without --from', async () => {
    const noDb = await migrate(embedded, { OKO_STORE_DATABASE_URL: '' });
    expect([noDb.code, noDb.stderr]).toEqual([1, expect.stringContaining('OKO_STORE_DATABASE_URL is not set')]);
    const usage = await run(process.execPath, [MIGRATE]).catch((error: { code: number; stderr: string }) => error);
    expect(usage).toMatchObject({ code: 2, stderr: expect.stringContaining('--from is required') });
  });
});
