import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectErrorAnswer } from '../../../test-support/errors.js';
import { pluginZip, removeDir, tempDir } from '../../../test-support/fixtures.js';
import { buildTestBackend, type TestBackend } from '../../../test-support/backend-app.js';
import { api, post, uploadZip } from '../../../test-support/http.js';
import { buildTestStore, type TestStore } from '../../../test-support/store-app.js';
import { answering, push } from './dev-helpers.js';
import { api as call } from './helpers.js';

// A name is held by one plugin at a time: a development plugin's name is closed to the store's
// install, update and uninstall, and an installed plugin's name to a development plugin.

let root: string;
let store: TestStore;
let backend: TestBackend;
let alphaId: string;

beforeAll(async () => {
  root = await tempDir('dev-store');
  store = await buildTestStore({ storageDir: path.join(root, 'store') });
  backend = await buildTestBackend({ storeUrl: api(store), pluginsDir: path.join(root, 'plugins'), dataDir: path.join(root, 'data') });
  const res = await uploadZip(`${api(store)}/plugins/upload/zip`, await pluginZip({ name: 'alpha' }));
  alphaId = ((await res.json()) as { plugin_id: string }).plugin_id;
});
afterAll(async () => {
  await backend?.close();
  await store?.close();
  await removeDir(root);
});

describe('development plugins and the store', () => {
  it('refuses to install, update or uninstall over a development plugin, and the reverse once installed', async () => {
    expect((await push(backend, 'alpha', answering('alpha', 'dev'), { replace: true })).status).toBe(201);
    const install = await post(`${api(backend)}/store/${alphaId}/install`);
    expect(await expectErrorAnswer({ status: install.status, body: await install.json() }, 409, 'ALREADY_INSTALLED')).toContain(
      'development plugin',
    );
    for (const action of ['update', 'uninstall']) {
      const res = await post(`${api(backend)}/store/alpha/${action}`);
      expect(await expectErrorAnswer({ status: res.status, body: await res.json() }, 409, 'ILLEGAL_TRANSITION')).toContain(
        '/dev/plugins/alpha',
      );
    }
    await expectErrorAnswer(await call(backend, 'POST', '/api/v1/plugins/alpha/pin'), 409, 'ILLEGAL_TRANSITION');
    expect((await call(backend, 'GET', '/api/v1/plugins/alpha')).body).toMatchObject({ scope: 'dev', state: 'active' });

    expect((await call(backend, 'DELETE', '/api/v1/dev/plugins/alpha')).status).toBe(200);
    expect((await post(`${api(backend)}/store/${alphaId}/install`)).status).toBe(200);
    await expectErrorAnswer(await push(backend, 'alpha', answering('alpha', 'dev'), { replace: true }), 409, 'PLUGIN_NAME_TAKEN');
  });
});
