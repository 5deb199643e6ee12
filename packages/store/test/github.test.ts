import { createHash } from 'node:crypto';
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from '../../../test-support/http.js';
import { buildTestStore, catalogFile, expectRefusal, json, type TestStore } from './helpers.js';
import { pluginFiles, startFakeGithub, type FakeGithub } from './fake-github.js';

const TOKEN = 'ghp_test_token_123';
let github: FakeGithub;
let store: TestStore;

const noise = Buffer.from(Array.from({ length: 1536 * 1024 }, (_, i) => (i * 2654435761) >>> 24));

beforeAll(async () => {
  github = await startFakeGithub({
    'octo/plugin': { main: pluginFiles('gh_plugin', '1.0.0'), 'feature/next': pluginFiles('gh_plugin', '2.0.0-beta.1') },
    'octo/mono': {
      main: [
        { name: 'README.md', content: '# mono' },
        ...pluginFiles('mono_hello', '0.3.0').map((f) => ({ ...f, name: `plugins/hello/${f.name}` })),
      ],
    },
    'octo/twice': { main: pluginFiles('twice_plugin', '1.0.0') },
    'octo/tested': {
      main: [
        ...pluginFiles('tested_plugin', '1.0.0'),
        { name: 'test/unit.test.js', content: 'test()' },
        { name: 'node_modules/dep/index.js', content: 'module.exports = 1' },
      ],
    },
    'octo/broken': { main: [{ name: 'manifest.json', content: '{"name": "Broken!"}' }] },
    'octo/huge': { main: [...pluginFiles('huge_plugin', '1.0.0'), { name: 'noise.bin', content: noise, method: 0 }] },
    'octo/slip': { main: [...pluginFiles('slip_plugin', '1.0.0'), { name: '../escape.js', content: 'x' }] },
  });
  // One store; each test imports repositories of its own.
  store = await buildTestStore({
    env: {
      OKO_STORE_GITHUB_API_URL: github.apiUrl,
      // The fake GitHub listens on 127.0.0.1, which the store refuses unless told (github-connections.test.ts).
      OKO_STORE_GITHUB_ALLOW_PRIVATE: 'true',
      GITHUB_TOKEN: TOKEN,
      OKO_STORE_MAX_PLUGIN_SIZE_MB: '1',
    },
  });
});
afterAll(async () => {
  await store?.close();
  await github?.close();
});

function importRepo(body: Record<string, unknown>, s = store): Promise<Response> {
  return request(`${s.api}/plugins/upload/github`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

function expectRefusedImport(body: Record<string, unknown>, status: number, code: string, s = store): Promise<string> {
  return expectRefusal(s, () => importRepo(body, s), status, code);
}

describe('GitHub import', () => {
  it('imports the default branch through the codeload redirect, in the uploads/ layout', async () => {
    github.seen.api.length = 0;
    github.seen.codeload.length = 0;
    const response = await importRepo({ repo_url: `${github.apiUrl}/octo/plugin` });
    expect(response.status).toBe(201);
    const body = await json(response);
    expect(body.plugin).toMatchObject({
      name: 'gh_plugin',
      version: '1.0.0',
      source: 'github',
      source_url: `${github.apiUrl}/octo/plugin`,
    });
    const record = (await catalogFile(store))!.plugins.find((p) => p.id === body.plugin_id)!;
    expect(record.storage.dir).toMatch(/^github_octo_plugin_\d{8}_\d{6}(_\d+)?$/);
    expect(await readdir(path.join(store.storage, 'uploads', record.storage.dir))).toEqual(
      expect.arrayContaining(['extracted', 'package.zip']),
    );
    // The token goes to the API host only, never to the host it redirects to.
    expect(github.seen.api).toEqual([`Bearer ${TOKEN}`]);
    expect(github.seen.codeload).toEqual([undefined]);
  });

  it('imports a branch', async () => {
    const body = await json(await importRepo({ repo_url: `${github.apiUrl}/octo/plugin.git`, branch: 'feature/next' }));
    expect(body.plugin).toMatchObject({ name: 'gh_plugin', version: '2.0.0-beta.1', branch: 'feature/next' });
  });

  it('imports a plugin from a subdirectory', async () => {
    const response = await importRepo({ repo_url: `${github.apiUrl}/octo/mono/`, subdirectory: 'plugins/hello/' });
    expect(response.status).toBe(201);
    const body = await json(response);
    expect(body.plugin).toMatchObject({ name: 'mono_hello', subdirectory: 'plugins/hello' });
    const where = await json(await request(`${store.api}/plugins/${body.plugin_id}/path`));
    expect(where.path.endsWith(path.join('extracted', 'octo-mono-0123abc', 'plugins', 'hello'))).toBe(true);
    // The download holds the plugin folder alone, at its root.
    const download = await request(`${store.api}/plugins/${body.plugin_id}/download`);
    expect(Number(download.headers.get('content-length'))).toBe(body.plugin.size);
    await download.arrayBuffer();
  });

  it('answers 409 for a name and version already imported', async () => {
    expect((await importRepo({ repo_url: `${github.apiUrl}/octo/twice` })).status).toBe(201);
    await expectRefusedImport({ repo_url: `${github.apiUrl}/octo/twice` }, 409, 'PLUGIN_ALREADY_EXISTS');
  });

  it('answers 404 for a missing repository, branch or subdirectory', async () => {
    await expectRefusedImport({ repo_url: `${github.apiUrl}/octo/nothing` }, 404, 'GITHUB_NOT_FOUND');
    await expectRefusedImport({ repo_url: `${github.apiUrl}/octo/plugin`, branch: 'no-such-branch' }, 404, 'GITHUB_NOT_FOUND');
    await expectRefusedImport({ repo_url: `${github.apiUrl}/octo/mono`, subdirectory: 'plugins/missing' }, 404, 'GITHUB_NOT_FOUND');
  });

  it('refuses a redirect to a host that is not allowed', async () => {
    github.seen.codeload.length = 0;
    expect(await expectRefusedImport({ repo_url: `${github.apiUrl}/octo/evil` }, 502, 'GITHUB_UPSTREAM_ERROR')).toMatch(/not allowed/);
    expect(github.seen.codeload).toEqual([]);
  });

  it('refuses a redirect to an allowed host with another scheme than the API', async () => {
    github.seen.codeload.length = 0;
    expect(await expectRefusedImport({ repo_url: `${github.apiUrl}/octo/downgrade` }, 502, 'GITHUB_UPSTREAM_ERROR')).toMatch(
      /not allowed: https:/,
    );
    expect(github.seen.codeload).toEqual([]);
  });

  it('refuses a repository whose plugin is invalid or whose archive is unsafe', async () => {
    await expectRefusedImport({ repo_url: `${github.apiUrl}/octo/broken` }, 422, 'INVALID_MANIFEST');
    await expectRefusedImport({ repo_url: `${github.apiUrl}/octo/slip` }, 422, 'INVALID_ARCHIVE');
  });

  it('applies the size limit to the download', async () => {
    await expectRefusedImport({ repo_url: `${github.apiUrl}/octo/huge` }, 413, 'PAYLOAD_TOO_LARGE');
  });

  it('rebuilds a lost package.zip of an import as it was published, without test/ and node_modules/', async () => {
    const record = (await json(await importRepo({ repo_url: `${github.apiUrl}/octo/tested` }))).plugin;
    await rm(
      path.join(store.storage, 'uploads', (await catalogFile(store))!.plugins.find((p) => p.id === record.id)!.storage.dir, 'package.zip'),
    );
    const download = await request(`${store.api}/plugins/${record.id}/download`);
    expect(download.status).toBe(200);
    const bytes = Buffer.from(await download.arrayBuffer());
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(record.sha256);
  });

  it('refuses repo_url values outside the configured host, and bad branch or subdirectory', async () => {
    github.seen.api.length = 0;
    const host = new URL(github.apiUrl).host;
    for (const repo_url of [
      'https://gitlab.com/octo/plugin',
      `http://localhost:${new URL(github.apiUrl).port}/octo/plugin`,
      `${github.codeloadUrl}/octo/plugin`,
      `https://${host}/octo/plugin`,
      `${github.apiUrl}/octo/plugin/tree/main`,
      `${github.apiUrl}/octo`,
      `${github.apiUrl}/octo/plugin?x=1`,
    ]) {
      await expectRefusedImport({ repo_url }, 400, 'INVALID_REPO_URL');
    }
    await expectRefusedImport({ repo_url: `${github.apiUrl}/octo/plugin`, branch: '../../x' }, 400, 'BAD_REQUEST');
    await expectRefusedImport({ repo_url: `${github.apiUrl}/octo/mono`, subdirectory: '../..' }, 400, 'BAD_REQUEST');
    expect(github.seen.api).toEqual([]);
  });
});

describe('GitHub import with the default GitHub settings', () => {
  it('accepts only https://github.com/{owner}/{repo}', async () => {
    const plain = await buildTestStore();
    try {
      for (const repo_url of [
        'http://github.com/octo/plugin',
        'https://localhost/octo/plugin',
        'https://127.0.0.1/octo/plugin',
        'https://github.com.evil.example/octo/plugin',
        'https://github.com/octo/plugin/extra',
        'ftp://github.com/octo/plugin',
        'https://user:pass@github.com/octo/plugin',
      ]) {
        await expectRefusedImport({ repo_url }, 400, 'INVALID_REPO_URL', plain);
      }
    } finally {
      await plain.close();
    }
  });
});
