import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { pluginFiles, removeDir, tempDir, zipFiles } from '../../../test-support/fixtures.js';
import { api as apiOf, getJson, post, request, uploadZip } from '../../../test-support/http.js';
import type { BackendProcess } from '../../../test-support/processes.js';
import { buildTestStore, type TestStore } from '../../../test-support/store-app.js';
import { startBackendProcess, type Dirs } from './helpers.js';

// A real backend process (the built dist): the grant and the env values survive a stop and a new start.

let root: string | undefined;
let store: TestStore | undefined;
let backend: BackendProcess | undefined;
afterEach(async () => {
  await backend?.stop();
  await store?.close();
  if (root) await removeDir(root);
  backend = store = root = undefined;
});

describe('grants over a restart', () => {
  it('keeps the granted set and which env values are set after the backend process restarts', async () => {
    root = await tempDir('grants-restart');
    const dirs: Dirs = { pluginsDir: path.join(root, 'plugins'), dataDir: path.join(root, 'data'), cleanup: async () => {} };
    store = await buildTestStore({ storageDir: path.join(root, 'store') });
    const files = pluginFiles({ name: 'kept_grant' }) as Record<string, string>;
    const manifest = { ...JSON.parse(files['manifest.json']!), permissions: { network: ['api.github.com:443'], env: ['KEPT_TOKEN'] } };
    const upload = await uploadZip(
      `${apiOf(store)}/plugins/upload/zip`,
      await zipFiles({ ...files, 'manifest.json': JSON.stringify(manifest) }),
    );
    const { plugin_id: id } = (await upload.json()) as { plugin_id: string };

    backend = await startBackendProcess(dirs, { OKO_STORE_URL: apiOf(store) });
    expect((await post(`${backend.api}/store/${id}/install`)).status).toBe(200);
    const put = await request(`${backend.api}/plugins/kept_grant/env`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ values: { KEPT_TOKEN: 'kept-secret' } }),
    });
    expect(put.status).toBe(200);
    await backend.stop();

    backend = await startBackendProcess(dirs, { OKO_STORE_URL: apiOf(store) });
    const { body } = await getJson<{ permissions: unknown }>(`${backend.api}/plugins/kept_grant`);
    const want = { network: ['api.github.com:443'], listen: false, env: ['KEPT_TOKEN'], read: [] };
    expect(body.permissions).toEqual({ declared: want, granted: want, recorded: true });
    expect((await getJson(`${backend.api}/plugins/kept_grant/env`)).body).toMatchObject({ variables: [{ name: 'KEPT_TOKEN', set: true }] });
  });
});
