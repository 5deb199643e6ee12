import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../../test-support/eventually.js';
import { request, serveInProcess } from '../../../test-support/http.js';
import { startPostgres, type PostgresServer } from '../../../test-support/postgres.js';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { startFakeGithub, type FakeGithub } from './fake-github.js';
import { json, pluginZip, uploadZip } from './helpers.js';
import { replicaEnv } from './pg-helpers.js';

/*
 * Two in-process stores on one PostgreSQL catalog (packages on one shared folder), as two replicas
 * behind a load balancer: a dashboard backend revalidates its page with whichever replica the
 * balancer picks, so the same catalog and query must carry the same ETag on both, or every
 * revalidation that changes replica costs a full answer instead of a 304.
 */
let pg: PostgresServer;
let github: FakeGithub;
let storage: string;
const replicas: { api: string; close(): Promise<void> }[] = [];

beforeAll(async () => {
  [pg, github] = await Promise.all([startPostgres(), startFakeGithub({})]);
  storage = await mkdtemp(path.join(tmpdir(), 'oko-replica-etags-'));
  const url = await pg.createDatabase('etags');
  for (let i = 0; i < 2; i++) {
    const app = await buildApp(loadConfig(replicaEnv(storage, url, github.apiUrl)));
    app.log.level = 'error';
    replicas.push(await serveInProcess(app, async () => undefined));
  }
}, 60_000);
afterAll(async () => {
  for (const replica of replicas) await replica.close();
  await pg?.stop();
  await github?.close();
  if (storage) await rm(storage, { recursive: true, force: true });
});

const get = (api: string, route: string, headers: Record<string, string> = {}) => request(`${api}${route}`, { headers });

async function publish(api: string, name: string, version: string): Promise<void> {
  const answer = await uploadZip({ api, url: '', storage }, pluginZip(name, version, { description: `${name} monitor` }));
  expect(answer.status, await answer.clone().text()).toBe(201);
}

/** The ETag and body of `route` on the replica at `api` once its copy lists `version` of etag_probe. */
async function settled(api: string, route: string, version: string): Promise<{ etag: string; body: string }> {
  return eventually(
    async () => {
      const answer = await get(api, route);
      return { etag: answer.headers.get('etag') ?? '', body: await answer.text() };
    },
    ({ body }) => body.includes(`"version":"${version}"`),
  );
}

describe('two replicas on one PostgreSQL catalog', () => {
  it('answer the same list, entry and versions under the same ETag, 304 to each other, and both move to a new one after a publish', async () => {
    const [a, b] = replicas.map((r) => r.api) as [string, string];
    await publish(a, 'etag_probe', '1.0.0');
    for (const route of ['/plugins?q=monitor&per_page=50', '/plugins/etag_probe', '/plugins/etag_probe/versions']) {
      const onA = await settled(a, route, '1.0.0');
      const onB = await settled(b, route, '1.0.0');
      expect(onB.body).toBe(onA.body);
      expect(onA.etag).toMatch(/^"[^"]+"$/);
      expect(onB.etag, route).toBe(onA.etag);
      expect((await get(b, route, { 'if-none-match': onA.etag })).status, route).toBe(304);
      expect((await get(a, route, { 'if-none-match': onB.etag })).status, route).toBe(304);
    }

    const route = '/plugins?q=monitor&per_page=50';
    const before = (await settled(a, route, '1.0.0')).etag;
    await publish(b, 'etag_probe', '1.1.0');
    // B wrote it: its very next list has it. A hears of it within its catch-up time.
    const next = await get(b, route);
    const onB = { etag: next.headers.get('etag') ?? '', body: await next.text() };
    expect(onB.body).toContain('"version":"1.1.0"');
    expect(onB.etag).not.toBe(before);
    const onA = await settled(a, route, '1.1.0');
    expect(onA.etag).toBe(onB.etag);
    expect((await get(a, route, { 'if-none-match': before })).status).toBe(200);
    expect((await get(a, route, { 'if-none-match': onB.etag })).status).toBe(304);
    expect((await get(b, route, { 'if-none-match': onA.etag })).status).toBe(304);
    expect((await json(await get(a, route))).total).toBe(1);
  });
});
