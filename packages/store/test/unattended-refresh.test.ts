import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../../test-support/eventually.js';
import { request } from '../../../test-support/http.js';
import { pluginFiles, startFakeGithub, type FakeGithub } from './fake-github.js';
import { buildTestStore, catalogFile, json, type TestStore } from './helpers.js';

const KEY = 'admin-key-0123456789';
const SECRET = 'storm secret';
let github: FakeGithub;
let store: TestStore;

beforeAll(async () => {
  github = await startFakeGithub({
    'octo/stormy': { main: pluginFiles('stormy_probe', '1.0.0') },
    'mallory/tool': { main: pluginFiles('mallory_tool', '1.0.0') },
  });
  store = await buildTestStore({
    env: {
      OKO_STORE_API_KEY: KEY,
      OKO_STORE_GITHUB_API_URL: github.apiUrl,
      OKO_STORE_GITHUB_ALLOW_PRIVATE: 'true',
      OKO_STORE_GITHUB_WEBHOOK_SECRET: SECRET,
    },
  });
  const imported = await request(`${store.api}/plugins/upload/github`, {
    method: 'POST',
    headers: { 'x-api-key': KEY, 'content-type': 'application/json' },
    body: JSON.stringify({ repo_url: `${github.apiUrl}/octo/stormy` }),
  });
  expect(imported.status).toBe(201);
});
afterAll(async () => {
  await store?.close();
  await github?.close();
});

const pushTo = (fullName: string) =>
  JSON.stringify({ ref: 'refs/heads/main', deleted: false, repository: { full_name: fullName, default_branch: 'main' } });
const push = pushTo('octo/stormy');

/** The same signed delivery, as often as a replay wants: GitHub's signature has no time or nonce in it. */
const deliver = (body = push) =>
  request(`${store.api}/webhooks/github`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-github-event': 'push',
      'x-hub-signature-256': `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`,
    },
    body,
  });

describe('a flood of valid webhook deliveries for one repository', () => {
  it('downloads the repository at most twice (the refresh running and one more), however many deliveries wait', async () => {
    github.repos['octo/stormy']!.main = pluginFiles('stormy_probe', '1.1.0');
    const before = github.seen.api.length;
    const release = github.hold();
    const first = deliver();
    // The first refresh is downloading (held by the fake GitHub); 30 replays of the delivery arrive meanwhile.
    await eventually(
      () => github.seen.api.length,
      (n) => n > before,
    );
    const replays = Array.from({ length: 30 }, () => deliver());
    release();
    const answers = await Promise.all([first, ...replays]);
    for (const answer of answers) expect(answer.status).toBe(200);
    const statuses = await Promise.all(answers.map(async (a) => (await json(a)).refreshed.map((r: { status: string }) => r.status)));
    expect(statuses[0]).toEqual(['published']);
    for (const s of statuses.slice(1)) expect(['published', 'unchanged']).toContain(s[0]);
    expect(github.seen.api.length - before).toBeLessThanOrEqual(2);
    const versions = (await catalogFile(store))!.plugins.filter((p) => p.name === 'stormy_probe').map((p) => p.version);
    expect(versions.sort()).toEqual(['1.0.0', '1.1.0']);
  });
});

describe('a tracked plugin whose owner token was revoked', () => {
  it('is refreshed by the admin only: webhook and schedule report NOT_OWNER and publish nothing', async () => {
    const created = await request(`${store.api}/publishers`, {
      method: 'POST',
      headers: { 'x-api-key': KEY, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'mallory', kind: 'publisher' }),
    });
    const { id, token } = await json(created);
    const imported = await request(`${store.api}/plugins/upload/github`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ repo_url: `${github.apiUrl}/mallory/tool` }),
    });
    expect(imported.status).toBe(201);
    expect((await request(`${store.api}/publishers/${id}`, { method: 'DELETE', headers: { 'x-api-key': KEY } })).status).toBe(200);

    github.repos['mallory/tool']!.main = pluginFiles('mallory_tool', '6.6.6');
    const answer = await json(await deliver(pushTo('mallory/tool')));
    expect(answer.refreshed).toEqual([
      { name: 'mallory_tool', status: 'failed', error: { code: 'NOT_OWNER', message: expect.stringMatching(/mallory.*revoked/) } },
    ]);
    const versions = () => catalogFile(store).then((f) => f!.plugins.filter((p) => p.name === 'mallory_tool').map((p) => p.version));
    expect(await versions()).toEqual(['1.0.0']);

    // The admin still can, in person.
    const byAdmin = await request(`${store.api}/plugins/mallory_tool/refresh`, { method: 'POST', headers: { 'x-api-key': KEY } });
    expect(byAdmin.status).toBe(201);
    expect((await versions()).sort()).toEqual(['1.0.0', '6.6.6']);
  });
});
