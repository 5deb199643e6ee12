import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectErrorAnswer } from '../../../test-support/errors.js';
import { request } from '../../../test-support/http.js';
import { buildTestStore, catalogFile, expectRefusal, json, pluginZip, uploadFolders, uploadZip, type TestStore } from './helpers.js';
import { pluginFiles, startFakeGithub, type FakeGithub } from './fake-github.js';

// Catalog ids are 12 random hex characters, so one may start with a-f and be a valid plugin name too.
const ID_SHAPED = 'deadbeef0042';

let github: FakeGithub;
let store: TestStore;

beforeAll(async () => {
  github = await startFakeGithub({ 'octo/idname': { main: pluginFiles(ID_SHAPED, '1.0.0') } });
  store = await buildTestStore({ env: { OKO_STORE_GITHUB_API_URL: github.apiUrl, OKO_STORE_GITHUB_ALLOW_PRIVATE: 'true' } });
});
afterAll(async () => {
  await store?.close();
  await github?.close();
});

describe('ids and names stay apart', () => {
  it('refuses a ZIP upload of a plugin named like a catalog id with 422 INVALID_MANIFEST, leaving nothing behind', async () => {
    const message = await expectRefusal(store, () => uploadZip(store, pluginZip(ID_SHAPED, '1.0.0')), 422, 'INVALID_MANIFEST');
    expect(message).toMatch(/shape of a store catalog id/);
  });

  it('refuses a GitHub import of such a plugin the same way', async () => {
    const send = () =>
      request(`${store.api}/plugins/upload/github`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ repo_url: `${github.apiUrl}/octo/idname` }),
      });
    const message = await expectRefusal(store, send, 422, 'INVALID_MANIFEST');
    expect(message).toMatch(/shape of a store catalog id/);
  });

  it('refuses a dependency named like a catalog id (no {name} route could resolve it)', async () => {
    const zip = pluginZip('needs_id_probe', '1.0.0', { dependencies: { [ID_SHAPED]: '^1.0.0' } });
    const message = await expectRefusal(store, () => uploadZip(store, zip), 422, 'INVALID_MANIFEST');
    expect(message).toMatch(new RegExp(`dependencies/${ID_SHAPED}.*catalog id`));
  });

  it('accepts hex-like names that are not 12 hex characters', async () => {
    for (const name of ['deadbeef004', 'deadbeef00420', 'deadbeef_042']) {
      expect((await uploadZip(store, pluginZip(name, '1.0.0'))).status).toBe(201);
    }
  });
});

describe('versions are immutable', () => {
  it('takes a version that differs only in build metadata for the same version (semver gives them equal precedence)', async () => {
    const first = await json(await uploadZip(store, pluginZip('build_meta_probe', '1.0.0')));
    const other = pluginZip('build_meta_probe', '1.0.0+build.2', {}, [{ name: 'extra.js', content: 'x' }]);
    const message = await expectRefusal(store, () => uploadZip(store, other), 409, 'PLUGIN_ALREADY_EXISTS');
    expect(message).toContain(first.plugin_id);
    expect((await uploadZip(store, pluginZip('build_meta_probe', '1.0.1+build.3'))).status).toBe(201);
  });

  it('refuses the same name and version with other content (409), keeping the published package', async () => {
    const first = await json(await uploadZip(store, pluginZip('frozen_plugin', '1.0.0')));
    const before = await json(await request(`${store.api}/plugins/${first.plugin_id}`));
    const folders = await uploadFolders(store);
    const catalog = await catalogFile(store);
    const changed = pluginZip('frozen_plugin', '1.0.0', { description: 'other content' }, [{ name: 'extra.js', content: 'x' }]);
    const message = await expectErrorAnswer(await uploadZip(store, changed), 409, 'PLUGIN_ALREADY_EXISTS');
    expect(message).toContain(first.plugin_id);
    expect(await uploadFolders(store)).toEqual(folders);
    expect(await catalogFile(store)).toEqual(catalog);
    expect(await json(await request(`${store.api}/plugins/frozen_plugin`))).toEqual(before);
    const { versions } = await json(await request(`${store.api}/plugins/frozen_plugin/versions`));
    expect(versions).toHaveLength(1);
  });
});
