import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { removeDir, tempDir } from '../../../test-support/fixtures.js';
import { api, getJson, request } from '../../../test-support/http.js';
import { buildTestStore, type TestStore } from '../../../test-support/store-app.js';
import { runCli, validPlugin, writeTree } from './helpers.js';

// `oko-plugin publish --token` / OKO_STORE_TOKEN against a store that hands out publisher tokens.
const API_KEY = 'admin-key-123';
let work: string;
let store: TestStore;

async function token(name: string, kind: 'publisher' | 'dashboard' = 'publisher'): Promise<string> {
  const answer = await request(`${api(store)}/publishers`, {
    method: 'POST',
    headers: { 'x-api-key': API_KEY, 'content-type': 'application/json' },
    body: JSON.stringify({ name, kind }),
  });
  expect(answer.status).toBe(201);
  return ((await answer.json()) as { token: string }).token;
}

async function publisherOf(name: string): Promise<string | undefined> {
  const { body } = await getJson<{ publisher?: string }>(`${api(store)}/plugins/${name}`);
  return body.publisher;
}

beforeAll(async () => {
  work = await tempDir('cli-token');
});
beforeEach(async () => {
  store = await buildTestStore({ env: { OKO_STORE_API_KEY: API_KEY } });
});
afterEach(async () => {
  await store?.close();
});
afterAll(async () => {
  await removeDir(work);
});

describe('oko-plugin publish with a publisher token', () => {
  it('sends --token as Bearer: the name becomes the publisher’s', async () => {
    const alice = await token('alice');
    const dir = await writeTree(path.join(work, 'flag'), validPlugin('token_flag', '1.0.0'));
    const run = await runCli(['publish', dir, '--store', api(store), '--token', alice]);
    expect(run.code, run.stderr).toBe(0);
    expect(await publisherOf('token_flag')).toBe('alice');
  });

  it('takes OKO_STORE_TOKEN from the environment, before OKO_STORE_API_KEY', async () => {
    const bob = await token('bob');
    const dir = await writeTree(path.join(work, 'env'), validPlugin('token_env', '1.0.0'));
    const run = await runCli(['publish', dir], {
      env: { OKO_STORE_URL: api(store), OKO_STORE_TOKEN: bob, OKO_STORE_API_KEY: API_KEY },
    });
    expect(run.code, run.stderr).toBe(0);
    expect(await publisherOf('token_env')).toBe('bob');
  });

  it("prints the store's NOT_OWNER message naming the owner and exits 2", async () => {
    const alice = await token('alice');
    const bob = await token('bob');
    const first = await writeTree(path.join(work, 'owned1'), validPlugin('owned_name', '1.0.0'));
    expect((await runCli(['publish', first, '--store', api(store), '--token', alice])).code).toBe(0);
    const second = await writeTree(path.join(work, 'owned2'), validPlugin('owned_name', '2.0.0'));
    const run = await runCli(['publish', second, '--store', api(store)], { env: { OKO_STORE_TOKEN: bob } });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('HTTP 403');
    expect(run.stderr).toContain('NOT_OWNER');
    expect(run.stderr).toContain("'alice'");
  });

  it('a dashboard token is refused with its reason', async () => {
    const dash = await token('home', 'dashboard');
    const dir = await writeTree(path.join(work, 'dash'), validPlugin('dash_name', '1.0.0'));
    const run = await runCli(['publish', dir, '--store', api(store), '--token', dash]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('TOKEN_NOT_ALLOWED');
  });
});
