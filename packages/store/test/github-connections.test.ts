import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from '../../../test-support/http.js';
import { pluginFiles, startFakeGithub, type FakeGithub } from './fake-github.js';
import { buildTestStore, expectRefusal, type TestStore } from './helpers.js';

// GitHub hosts are checked by the address they connect to, not only by name: an allowed name that
// resolves to loopback or a private address is refused unless OKO_STORE_GITHUB_ALLOW_PRIVATE is set.
let github: FakeGithub;
const stores: TestStore[] = [];

beforeAll(async () => {
  github = await startFakeGithub({ 'octo/plugin': { main: pluginFiles('private_gh_plugin', '1.0.0') } });
});
afterAll(async () => {
  await Promise.all(stores.map((s) => s.close()));
  await github?.close();
});

async function storeFor(apiUrl: string, env: Record<string, string> = {}): Promise<TestStore> {
  const store = await buildTestStore({ env: { OKO_STORE_GITHUB_API_URL: apiUrl, ...env } });
  stores.push(store);
  return store;
}

function importRepo(store: TestStore, repo_url: string): Promise<Response> {
  return request(`${store.api}/plugins/upload/github`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ repo_url }),
  });
}

describe('GitHub import and private addresses', () => {
  it('refuses a GitHub host given as a loopback address, before connecting', async () => {
    const store = await storeFor(github.apiUrl);
    github.seen.api.length = 0;
    const message = await expectRefusal(store, () => importRepo(store, `${github.apiUrl}/octo/plugin`), 502, 'GITHUB_UPSTREAM_ERROR');
    expect(message).toMatch(/127\.0\.0\.1 is not a public address.*OKO_STORE_GITHUB_ALLOW_PRIVATE=true/);
    expect(github.seen.api).toEqual([]);
  });

  it('refuses a GitHub host name that resolves to loopback, checked at connect time', async () => {
    const byName = github.apiUrl.replace('127.0.0.1', 'localhost');
    const store = await storeFor(byName);
    github.seen.api.length = 0;
    const message = await expectRefusal(store, () => importRepo(store, `${byName}/octo/plugin`), 502, 'GITHUB_UPSTREAM_ERROR');
    expect(message).toMatch(/localhost resolves to (127\.0\.0\.1|::1), not a public address/);
    expect(github.seen.api).toEqual([]);
  });

  it('imports from a private address when OKO_STORE_GITHUB_ALLOW_PRIVATE is set', async () => {
    const store = await storeFor(github.apiUrl, { OKO_STORE_GITHUB_ALLOW_PRIVATE: 'true' });
    const response = await importRepo(store, `${github.apiUrl}/octo/plugin`);
    expect(response.status).toBe(201);
  });
});

describe('GitHub download bound', () => {
  it('gives up on a download that stalls after OKO_STORE_GITHUB_TIMEOUT_MS, keeping nothing', async () => {
    const store = await storeFor(github.apiUrl, { OKO_STORE_GITHUB_ALLOW_PRIVATE: 'true', OKO_STORE_GITHUB_TIMEOUT_MS: '500' });
    const message = await expectRefusal(store, () => importRepo(store, `${github.apiUrl}/octo/stall`), 502, 'GITHUB_UPSTREAM_ERROR');
    expect(message).toMatch(/did not finish within 500 ms/);
  });
});
