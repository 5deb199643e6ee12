import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectErrorAnswer } from '../../../test-support/errors.js';
import { post, request, serveInProcess } from '../../../test-support/http.js';
import { startPostgres, type PostgresServer } from '../../../test-support/postgres.js';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { replicaEnv } from './pg-helpers.js';
import type { StoreServices } from '../src/services/index.js';
import { pluginFiles, startFakeGithub, type FakeGithub } from './fake-github.js';
import { json, pluginZip, uploadZip } from './helpers.js';

/*
 * Two in-process stores on one database and one shared folder (PostgreSQL, packages on local
 * disk). Replica B's LISTEN connection is closed, so it never hears A's writes: the state of any
 * replica in the moment between a commit elsewhere and its notification. Whatever B would answer
 * 404 from its copy, it asks the database once more first.
 */
let pg: PostgresServer;
let storage: string;
let a: Replica;
let b: Replica;
let github: FakeGithub;

interface Replica {
  api: string;
  services: StoreServices;
  close(): Promise<void>;
}

async function replica(url: string): Promise<Replica> {
  let services: StoreServices | undefined;
  const config = loadConfig(replicaEnv(storage, url, github.apiUrl));
  const app = await buildApp(config, { seedCatalog: async (s) => void (services = s) });
  app.log.level = 'error';
  const served = await serveInProcess(app, async () => undefined);
  return { api: served.api, services: services!, close: served.close };
}

beforeAll(async () => {
  [pg, github] = await Promise.all([startPostgres(), startFakeGithub({})]);
  storage = await mkdtemp(path.join(tmpdir(), 'oko-catch-up-'));
  const url = await pg.createDatabase('catchup');
  a = await replica(url);
  b = await replica(url);
  await b.services.backends.feed!.close(); // deaf from here on: only a catch-up brings A's writes to B
}, 60_000);
afterAll(async () => {
  await b?.close();
  await a?.close();
  await pg?.stop();
  await github?.close();
  if (storage) await rm(storage, { recursive: true, force: true });
});

let published = 0;
/** A new plugin published through A, with a README and a changelog; B has not heard of it. */
async function publishThroughA(): Promise<{ id: string; name: string; sha256: string }> {
  const name = `caught_${++published}`;
  const files = [
    { name: 'README.md', content: `# ${name}\n` },
    { name: 'CHANGELOG.md', content: '# Changelog\n\n## 1.0.0\n\n- First\n' },
  ];
  const answer = await uploadZip({ api: a.api, url: '', storage }, pluginZip(name, '1.0.0', {}, files));
  expect(answer.status).toBe(201);
  const { plugin } = await json(answer);
  expect((await b.services.catalog.list()).some((r) => r.name === name)).toBe(false);
  return { id: plugin.id, name, sha256: plugin.sha256 };
}

const INSTANCE = { 'x-oko-instance': 'catch-up-instance-000001' };

describe('a replica asked about a plugin another replica published a moment ago', () => {
  const probes: [string, (p: { id: string; name: string; sha256: string }) => Promise<void>][] = [
    ['GET /plugins/{id}', async (p) => expect((await json(await request(`${b.api}/plugins/${p.id}`))).id).toBe(p.id)],
    ['GET /plugins/{name}', async (p) => expect((await json(await request(`${b.api}/plugins/${p.name}`))).id).toBe(p.id)],
    [
      'GET /plugins/{name}/versions',
      async (p) => expect((await json(await request(`${b.api}/plugins/${p.name}/versions`))).versions).toHaveLength(1),
    ],
    [
      'GET /plugins/{id}/readme',
      async (p) => expect(await (await request(`${b.api}/plugins/${p.id}/readme`)).text()).toBe(`# ${p.name}\n`),
    ],
    ['GET /plugins/{id}/path', async (p) => expect((await json(await request(`${b.api}/plugins/${p.id}/path`))).exists).toBe(true)],
    [
      'GET /plugins/{id}/download',
      async (p) => {
        const answer = await request(`${b.api}/plugins/${p.id}/download`);
        expect(answer.status).toBe(200);
        expect(
          createHash('sha256')
            .update(Buffer.from(await answer.arrayBuffer()))
            .digest('hex'),
        ).toBe(p.sha256);
      },
    ],
    ['GET /plugins/{name}/reviews', async (p) => expect((await json(await request(`${b.api}/plugins/${p.name}/reviews`))).total).toBe(0)],
    [
      'POST /plugins/{name}/reviews',
      async (p) => expect((await post(`${b.api}/plugins/${p.name}/reviews`, { rating: 4 }, INSTANCE)).status).toBe(201),
    ],
    [
      'DELETE /plugins/{id}',
      async (p) => expect((await json(await request(`${b.api}/plugins/${p.id}`, { method: 'DELETE' }))).plugin_id).toBe(p.id),
    ],
  ];

  it.each(probes)('%s answers it, not 404', async (_route, probe) => {
    await probe(await publishThroughA());
  });

  it('POST /plugins/{name}/refresh finds the GitHub import of a name it holds only as an upload, not 409 NOT_TRACKED', async () => {
    expect((await uploadZip({ api: a.api, url: '', storage }, pluginZip('mixed_source', '1.0.0'))).status).toBe(201);
    expect((await request(`${b.api}/plugins/mixed_source`)).status).toBe(200); // B catches up with the upload
    github.repos['octo/mixed'] = { main: pluginFiles('mixed_source', '2.0.0') };
    const imported = await post(`${a.api}/plugins/upload/github`, { repo_url: `${github.apiUrl}/octo/mixed` });
    expect(imported.status).toBe(201);
    const refreshed = await post(`${b.api}/plugins/mixed_source/refresh`);
    expect(refreshed.status, await refreshed.clone().text()).toBe(200);
    expect(await json(refreshed)).toMatchObject({ status: 'unchanged', plugin: { version: '2.0.0' } });
  });

  it('still answers 404 for a name nobody published', async () => {
    await expectErrorAnswer(await request(`${b.api}/plugins/never_published`), 404, 'PLUGIN_NOT_FOUND');
    await expectErrorAnswer(await request(`${b.api}/plugins/never_published/versions`), 404, 'PLUGIN_NOT_FOUND');
    await expectErrorAnswer(await request(`${b.api}/plugins/never_published/reviews`), 404, 'PLUGIN_NOT_FOUND');
    await expectErrorAnswer(await post(`${b.api}/plugins/never_published/reviews`, { rating: 1 }, INSTANCE), 404, 'PLUGIN_NOT_FOUND');
  });
});
