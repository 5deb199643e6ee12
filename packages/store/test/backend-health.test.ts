import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { expectErrorAnswer } from '../../../test-support/errors.js';
import { eventually } from '../../../test-support/eventually.js';
import { request } from '../../../test-support/http.js';
import { startPostgres, type PostgresServer } from '../../../test-support/postgres.js';
import { S3RVER_KEY, startS3, type S3Server } from '../../../test-support/s3.js';
import { startTcpLink, type TcpLink } from '../../../test-support/tcp-link.js';
import { buildTestStore, json, type TestStore } from './helpers.js';

/*
 * GET /health and /info of a store on PostgreSQL (reached through a TCP link the test cuts, stalls
 * and mends) and on S3 (an s3rver stopped and started again on its port and folder): degraded
 * with a reason while either is gone, healthy again once back, never naming a URL, password or key.
 */
let pg: PostgresServer;
const cleanups: (() => Promise<void>)[] = [];
const savedEnv = { ...process.env };
const AWS_KEYS = ['AWS_REGION', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'];

beforeAll(async () => {
  pg = await startPostgres();
}, 60_000);
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});
afterAll(async () => {
  for (const key of AWS_KEYS) {
    if (savedEnv[key] === undefined) delete process.env[key];
    else process.env[key] = savedEnv[key];
  }
  await pg?.stop();
});

async function store(env: Record<string, string>): Promise<TestStore> {
  const built = await buildTestStore({ env });
  cleanups.push(() => built.close());
  return built;
}

async function health(s: TestStore): Promise<{ body: any; text: string }> {
  const answer = await request(`${s.api}/health`);
  expect(answer.status).toBe(200); // degraded is still a 200: reads are served
  const text = await answer.text();
  return { body: JSON.parse(text), text };
}

async function linkedStore(): Promise<{ s: TestStore; link: TcpLink; url: string }> {
  const url = await pg.createDatabase('health');
  const link = await startTcpLink(Number(new URL(url).port));
  cleanups.push(() => link.close());
  return { s: await store({ OKO_STORE_DATABASE_URL: link.through(url) }), link, url: link.through(url) };
}

function expectNoSecrets(text: string, url: string): void {
  const parsed = new URL(url);
  expect(text).not.toContain(decodeURIComponent(parsed.password));
  expect(text).not.toContain(url);
  expect(text).not.toContain(`${parsed.hostname}:${parsed.port}`);
}

describe('GET /health and /info with PostgreSQL and S3', () => {
  it('embedded: no database or bucket fields, and /info says json and local', async () => {
    const s = await store({});
    const { body } = await health(s);
    expect(body.status).toBe('healthy');
    expect(body).not.toHaveProperty('database');
    expect(body).not.toHaveProperty('blob_store');
    expect((await json(await request(`${s.api}/info`))).backends).toEqual({ catalog: 'json', packages: 'local' });
  });

  it('PostgreSQL: healthy with its feed up; degraded while the database is cut off, saying why without its URL; healthy once back', async () => {
    const { s, link, url } = await linkedStore();
    const up = await health(s);
    expect(up.body).toMatchObject({ status: 'healthy', read_only: false, database: { reachable: true, change_feed: true } });
    expect(up.body).not.toHaveProperty('reason');
    expect(up.body).not.toHaveProperty('blob_store');
    expect((await json(await request(`${s.api}/info`))).backends).toEqual({ catalog: 'postgresql', packages: 'local' });

    link.cut();
    const down = await eventually(
      () => health(s),
      // The feed notices at once (degraded: reconnecting); a check made within the last second is answered again first.
      (seen) => seen.body.status === 'degraded' && seen.body.database?.reachable === false && seen.body.database.change_feed === false,
    );
    expect(down.body).toMatchObject({ read_only: true, database: { reachable: false, change_feed: false } });
    expect(down.body.reason).toMatch(
      /^PostgreSQL cannot be reached \((ECONNRESET|ECONNREFUSED|connection ended)\): .*503 DATABASE_UNAVAILABLE/,
    );
    expectNoSecrets(down.text, url);
    // Reads go on from the copy: a name it does not hold is still a 404 (the catch-up fails), not a 503.
    await expectErrorAnswer(await request(`${s.api}/plugins/nowhere`), 404, 'PLUGIN_NOT_FOUND');

    link.mend();
    const back = await eventually(
      () => health(s),
      (seen) => seen.body.status === 'healthy',
    );
    expect(back.body.database).toEqual({ reachable: true, change_feed: true });
  });

  it('PostgreSQL: a database that went silent is reported within the bound (no answer within 1000 ms), not waited for', async () => {
    const { s, link, url } = await linkedStore();
    expect((await health(s)).body.status).toBe('healthy');
    link.stall();
    const silent = await eventually(
      () => health(s),
      (seen) => seen.body.status === 'degraded',
    );
    expect(silent.body.database.reachable).toBe(false);
    expect(silent.body.reason).toContain('PostgreSQL cannot be reached (no answer within 1000 ms)');
    expectNoSecrets(silent.text, url);
    // The catch-up before a 404 waits for the silent database only for its bound, then the copy answers.
    await expectErrorAnswer(await request(`${s.api}/plugins/nowhere`), 404, 'PLUGIN_NOT_FOUND');
    link.mend();
    await eventually(
      () => health(s),
      (seen) => seen.body.status === 'healthy',
    );
  });

  it('S3: reports the bucket; degraded while s3rver is down, without its keys or endpoint; healthy once it is back', async () => {
    // Its own folder, so a server started again on the same port finds the bucket and its objects.
    const directory = await mkdtemp(path.join(tmpdir(), 'oko-health-s3-'));
    cleanups.push(() => rm(directory, { recursive: true, force: true }));
    let s3: S3Server = await startS3({ directory });
    cleanups.push(() => s3.stop());
    const port = Number(new URL(s3.endpoint).port);
    Object.assign(process.env, { AWS_REGION: s3.env.AWS_REGION, AWS_ACCESS_KEY_ID: S3RVER_KEY, AWS_SECRET_ACCESS_KEY: S3RVER_KEY });
    const url = await pg.createDatabase('health');
    const s = await store({ ...s3.env, OKO_STORE_DATABASE_URL: url, OKO_STORE_BLOB_URL: `s3://${s3.bucket}/health` });
    const up = await health(s);
    expect(up.body).toMatchObject({ status: 'healthy', database: { reachable: true, change_feed: true }, blob_store: { reachable: true } });
    expect((await json(await request(`${s.api}/info`))).backends).toEqual({ catalog: 'postgresql', packages: 's3' });

    await s3.stop();
    const down = await eventually(
      () => health(s),
      (seen) => seen.body.status === 'degraded',
    );
    expect(down.body).toMatchObject({ database: { reachable: true }, blob_store: { reachable: false } });
    expect(down.body.reason).toMatch(/^the package bucket cannot be reached \(.+\): downloads and publishes answer 503/);
    expect(down.text).not.toContain(S3RVER_KEY);
    expect(down.text).not.toContain(s3.endpoint);
    expectNoSecrets(down.text, url);

    s3 = await startS3({ directory, port });
    await eventually(
      () => health(s),
      (seen) => seen.body.status === 'healthy' && seen.body.blob_store?.reachable === true,
    );
  });
});
