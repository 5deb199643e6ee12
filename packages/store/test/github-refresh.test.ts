import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../../test-support/eventually.js';
import { expectErrorAnswer } from '../../../test-support/errors.js';
import { request } from '../../../test-support/http.js';
import { pluginFiles, startFakeGithub, type FakeGithub } from './fake-github.js';
import { buildTestStore, catalogFile, expectRefusal, json, pluginZip, uploadFolders, uploadZip, type TestStore } from './helpers.js';

const KEY = 'admin-key-0123456789';
const ADMIN = { 'x-api-key': KEY };
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
let github: FakeGithub;
let store: TestStore;

beforeAll(async () => {
  github = await startFakeGithub({});
  store = await buildTestStore({
    env: { OKO_STORE_API_KEY: KEY, OKO_STORE_GITHUB_API_URL: github.apiUrl, OKO_STORE_GITHUB_ALLOW_PRIVATE: 'true' },
  });
});
afterAll(async () => {
  await store?.close();
  await github?.close();
});

async function importRepo(body: Record<string, unknown>, headers: Record<string, string> = ADMIN, s = store) {
  const answer = await request(`${s.api}/plugins/upload/github`, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(answer.status, await answer.clone().text()).toBe(201);
  return json(answer);
}

const refresh = (name: string, headers: Record<string, string> = ADMIN, s = store) =>
  request(`${s.api}/plugins/${name}/refresh`, { method: 'POST', headers });

async function createToken(name: string): Promise<string> {
  const answer = await request(`${store.api}/publishers`, {
    method: 'POST',
    headers: { ...ADMIN, 'content-type': 'application/json' },
    body: JSON.stringify({ name, kind: 'publisher' }),
  });
  expect(answer.status).toBe(201);
  return (await json(answer)).token;
}

const versionsOf = async (name: string, s = store) =>
  ((await catalogFile(s))?.plugins ?? [])
    .filter((p) => p.name === name)
    .map((p) => p.version)
    .sort();

describe('POST /plugins/{name}/refresh', () => {
  it('publishes a new manifest version from the same repository, branch and subdirectory; the old version stays', async () => {
    github.repos['octo/mono'] = {
      main: pluginFiles('main_only', '9.0.0'),
      'release/1': [{ name: 'README.md', content: '# mono' }, ...inFolder('plugins/tracked', pluginFiles('tracked_plugin', '1.0.0'))],
    };
    const first = await importRepo({ repo_url: `${github.apiUrl}/octo/mono`, branch: 'release/1', subdirectory: 'plugins/tracked/' });
    expect(first.plugin).toMatchObject({ version: '1.0.0', branch: 'release/1', subdirectory: 'plugins/tracked' });

    github.repos['octo/mono']['release/1'] = inFolder('plugins/tracked', pluginFiles('tracked_plugin', '1.1.0'));
    const answer = await refresh('tracked_plugin');
    expect(answer.status).toBe(201);
    const body = await json(answer);
    expect(body).toMatchObject({
      status: 'published',
      plugin: {
        name: 'tracked_plugin',
        version: '1.1.0',
        source: 'github',
        source_url: `${github.apiUrl}/octo/mono`,
        branch: 'release/1',
        subdirectory: 'plugins/tracked',
      },
    });
    expect(body.plugin.id).not.toBe(first.plugin_id);
    expect(await versionsOf('tracked_plugin')).toEqual(['1.0.0', '1.1.0']);
    expect(await versionsOf('main_only')).toEqual([]);
  });

  it('refuses the same version with other content (409) and leaves catalog and uploads/ as they were', async () => {
    github.repos['octo/same'] = { main: pluginFiles('same_version', '1.0.0') };
    await importRepo({ repo_url: `${github.apiUrl}/octo/same` });
    github.repos['octo/same'].main = [...pluginFiles('same_version', '1.0.0'), { name: 'extra.js', content: 'export const x = 1;' }];
    const message = await expectRefusal(store, () => refresh('same_version'), 409, 'PLUGIN_ALREADY_EXISTS');
    expect(message).toContain('other content');
  });

  it('is a no-op for the same content: 200 unchanged, nothing written, no folder left in uploads/', async () => {
    github.repos['octo/quiet'] = { main: pluginFiles('quiet_plugin', '2.0.0') };
    const first = await importRepo({ repo_url: `${github.apiUrl}/octo/quiet` });
    const catalogBefore = JSON.stringify(await catalogFile(store));
    const foldersBefore = await uploadFolders(store);
    const answer = await refresh('quiet_plugin');
    expect(answer.status).toBe(200);
    expect(await json(answer)).toMatchObject({ status: 'unchanged', plugin: { id: first.plugin_id, version: '2.0.0' } });
    expect(JSON.stringify(await catalogFile(store))).toBe(catalogBefore);
    expect(await uploadFolders(store)).toEqual(foldersBefore);
  });

  it('runs refreshes of one name one at a time: two at once publish the new version once', async () => {
    github.repos['octo/race'] = { main: pluginFiles('race_plugin', '1.0.0') };
    await importRepo({ repo_url: `${github.apiUrl}/octo/race` });
    github.repos['octo/race'].main = pluginFiles('race_plugin', '1.0.1');
    const answers = await Promise.all([refresh('race_plugin'), refresh('race_plugin')]);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 201]);
    expect(await versionsOf('race_plugin')).toEqual(['1.0.0', '1.0.1']);
  });

  it('refuses a repository whose manifest now names another plugin (422), publishing nothing under that name', async () => {
    github.repos['octo/renamed'] = { main: pluginFiles('old_name', '1.0.0') };
    await importRepo({ repo_url: `${github.apiUrl}/octo/renamed` });
    github.repos['octo/renamed'].main = pluginFiles('new_name', '1.0.1');
    const message = await expectRefusal(store, () => refresh('old_name'), 422, 'INVALID_MANIFEST');
    expect(message).toContain("'new_name'");
    expect(await versionsOf('new_name')).toEqual([]);
  });

  it('answers NOT_TRACKED for a ZIP upload and PLUGIN_NOT_FOUND for an unknown name', async () => {
    expect((await uploadZip(store, pluginZip('zip_only', '1.0.0'), ADMIN)).status).toBe(201);
    await expectRefusal(store, () => refresh('zip_only'), 409, 'NOT_TRACKED');
    await expectRefusal(store, () => refresh('nobody_here'), 404, 'PLUGIN_NOT_FOUND');
    await expectErrorAnswer(await refresh('Not-A-Name!'), 400, 'VALIDATION_FAILED');
  });

  it("needs the store key or the owner's token: another publisher gets NOT_OWNER, no key UNAUTHORIZED", async () => {
    const alice = await createToken('alice-refresh');
    const bob = await createToken('bob-refresh');
    github.repos['octo/alice'] = { main: pluginFiles('alice_plugin', '1.0.0') };
    await importRepo({ repo_url: `${github.apiUrl}/octo/alice` }, bearer(alice));
    github.repos['octo/alice'].main = pluginFiles('alice_plugin', '1.1.0');
    await expectRefusal(store, () => refresh('alice_plugin', bearer(bob)), 403, 'NOT_OWNER');
    await expectRefusal(store, () => refresh('alice_plugin', {}), 401, 'UNAUTHORIZED');
    const answer = await refresh('alice_plugin', bearer(alice));
    expect(answer.status).toBe(201);
    expect((await json(answer)).plugin).toMatchObject({ version: '1.1.0', publisher: 'alice-refresh' });
    github.repos['octo/alice'].main = pluginFiles('alice_plugin', '1.2.0');
    expect((await refresh('alice_plugin')).status).toBe(201);
  });
});

describe('OKO_STORE_GITHUB_REFRESH_INTERVAL_S', () => {
  it('refreshes every tracked plugin on a schedule; a failing one does not stop the others', async () => {
    const scheduled = await buildTestStore({
      env: { OKO_STORE_GITHUB_API_URL: github.apiUrl, OKO_STORE_GITHUB_ALLOW_PRIVATE: 'true', OKO_STORE_GITHUB_REFRESH_INTERVAL_S: '1' },
    });
    try {
      // Sorted by name, the failing plugin comes first.
      github.repos['octo/a-gone'] = { main: pluginFiles('a_gone', '1.0.0') };
      github.repos['octo/z-ticks'] = { main: pluginFiles('z_ticks', '1.0.0') };
      await importRepo({ repo_url: `${github.apiUrl}/octo/a-gone` }, {}, scheduled);
      await importRepo({ repo_url: `${github.apiUrl}/octo/z-ticks` }, {}, scheduled);
      delete github.repos['octo/a-gone'];
      github.repos['octo/z-ticks'].main = pluginFiles('z_ticks', '1.0.1');
      await eventually(
        () => versionsOf('z_ticks', scheduled),
        (versions) => versions.includes('1.0.1'),
      );
      github.repos['octo/z-ticks'].main = pluginFiles('z_ticks', '1.0.2');
      await eventually(
        () => versionsOf('z_ticks', scheduled),
        (versions) => versions.includes('1.0.2'),
      );
      expect(await versionsOf('a_gone', scheduled)).toEqual(['1.0.0']);
    } finally {
      await scheduled.close();
    }
  });
});

function inFolder(folder: string, files: ReturnType<typeof pluginFiles>) {
  return files.map((f) => ({ ...f, name: `${folder}/${f.name}` }));
}
