import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeStore, type FakeStore } from '../../../test-support/fake-store.js';
import { expectErrorAnswer } from '../../../test-support/errors.js';
import { listDir, pluginFiles, pluginZip, removeDir, sha256, tempDir, zipFiles } from '../../../test-support/fixtures.js';
import { api, getJson, post, request, uploadZip } from '../../../test-support/http.js';
import { buildTestBackend, type TestBackend } from '../../../test-support/backend-app.js';
import { buildTestStore, type TestStore } from '../../../test-support/store-app.js';

// Update of installed plugins against a real store and backend built in-process; each test gets
// its own store, backend and folders.

let root: string;
let store: TestStore;
let backend: TestBackend;
let pluginsDir: string;

/** A plugin whose code tells its version: GET /version answers it. */
function versionedFiles(name: string, version: string, setupExtra = ''): Record<string, string> {
  const index = `export async function setup(ctx) {\n  ${setupExtra}\n  ctx.routes.get('/ping', async () => ({ pong: true }));\n  ctx.routes.get('/version', async () => ({ version: ${JSON.stringify(version)} }));\n}\nexport async function teardown() {}\n`;
  return { ...(pluginFiles({ name, version }) as Record<string, string>), 'index.js': index };
}

async function publish(name: string, version: string, setupExtra = ''): Promise<string> {
  const res = await uploadZip(`${api(store)}/plugins/upload/zip`, await zipFiles(versionedFiles(name, version, setupExtra)));
  expect(res.status).toBeLessThan(300);
  return ((await res.json()) as { plugin_id: string }).plugin_id;
}

async function storeView(name: string): Promise<Record<string, unknown> | undefined> {
  const { body } = await getJson<{ plugins: Array<Record<string, unknown>> }>(`${api(backend)}/store?q=${name}`);
  // The listing holds every version; the newest comes first.
  return body.plugins.find((p) => p.name === name);
}

async function pluginState(name: string): Promise<{ state: string; version: string; error?: { reason: string } }> {
  return (await getJson<{ state: string; version: string; error?: { reason: string } }>(`${api(backend)}/plugins/${name}`)).body;
}

beforeEach(async () => {
  root = await tempDir('store-update');
  pluginsDir = path.join(root, 'plugins');
  store = await buildTestStore({ storageDir: path.join(root, 'store') });
  backend = await buildTestBackend({ storeUrl: api(store), pluginsDir, dataDir: path.join(root, 'data') });
});

afterEach(async () => {
  await backend?.close();
  await store?.close();
  await removeDir(root);
});

describe('POST /store/{id}/update', () => {
  it('updates an inactive plugin by the newer catalog id: the new version is discovered, listing no longer offers an update', async () => {
    const v1 = await publish('updidle', '1.0.0');
    expect((await post(`${api(backend)}/store/${v1}/install`)).status).toBe(200);
    const v2 = await publish('updidle', '2.0.0');
    expect(await storeView('updidle')).toMatchObject({
      id: v2,
      version: '2.0.0',
      installed: true,
      installed_version: '1.0.0',
      update_available: true,
    });

    const res = await post(`${api(backend)}/store/${v2}/update`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      status: 'updated',
      plugin: { id: 'updidle', name: 'updidle', version: '2.0.0', state: 'discovered', scope: 'external' },
      previous_version: '1.0.0',
      permissions: { network: [], listen: false, env: [], read: [] },
      signature: { state: 'unsigned' },
      warning: 'This plugin is not signed: nothing says who made it.',
      // Inactive: nothing to watch, so the update is done at once.
      last_update: { from: '1.0.0', to: '2.0.0', at: expect.any(String), result: 'updated' },
      message: 'Plugin updidle updated from 1.0.0 to 2.0.0',
    });
    expect(await pluginState('updidle')).toMatchObject({ state: 'discovered', version: '2.0.0' });
    const record = JSON.parse(await readFile(path.join(pluginsDir, 'updidle', '.oko-install.json'), 'utf8')) as {
      store_id: string;
      version: string;
    };
    expect(record).toMatchObject({ store_id: v2, version: '2.0.0' });
    expect(await storeView('updidle')).toMatchObject({ installed_version: '2.0.0', update_available: false });
    // No staging or trash folder is left behind.
    expect(await listDir(pluginsDir)).toEqual(['updidle']);
  });

  it('updates an active plugin by name: the new code answers its route and the plugin is active again', async () => {
    await publish('updlive', '1.0.0');
    expect((await post(`${api(backend)}/store/updlive/install`)).status).toBe(200);
    expect((await post(`${api(backend)}/plugins/updlive/load`)).status).toBe(200);
    expect((await getJson(`${api(backend)}/plugins/updlive/version`)).body).toEqual({ version: '1.0.0' });
    await publish('updlive', '1.1.0');

    const res = await post(`${api(backend)}/store/updlive/update`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'updated', plugin: { version: '1.1.0', state: 'active' }, previous_version: '1.0.0' });
    expect((await getJson(`${api(backend)}/plugins/updlive/version`)).body).toEqual({ version: '1.1.0' });
    expect(await pluginState('updlive')).toMatchObject({ state: 'active', version: '1.1.0' });
  });

  it('returns to the previous version when the new one fails to load, and says so (health gate)', async () => {
    await publish('updlive', '1.0.0');
    expect((await post(`${api(backend)}/store/updlive/install`)).status).toBe(200);
    expect((await post(`${api(backend)}/plugins/updlive/load`)).status).toBe(200);
    await publish('updlive', '1.2.0', "throw new Error('boom in 1.2.0');");
    const res = await post(`${api(backend)}/store/updlive/update`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      plugin: { state: string; version: string };
      message: string;
      last_update: { result: string; reason: string };
    };
    expect(body.plugin).toMatchObject({ version: '1.0.0', state: 'active' });
    expect(body.message).toContain('failed to load');
    expect(body.message).toContain('boom in 1.2.0');
    expect(body.last_update).toMatchObject({ from: '1.0.0', to: '1.2.0', result: 'rolled_back' });
    expect(body.last_update.reason).toContain('boom in 1.2.0');
    expect(await pluginState('updlive')).toMatchObject({ state: 'active', version: '1.0.0' });
    expect((await getJson(`${api(backend)}/plugins/updlive/version`)).body).toEqual({ version: '1.0.0' });
  });

  it('answers 404 NOT_INSTALLED for a plugin that is not installed, and installs nothing', async () => {
    await publish('updabsent', '1.0.0');
    const before = await listDir(pluginsDir);
    await expectErrorAnswer(await post(`${api(backend)}/store/updabsent/update`), 404, 'NOT_INSTALLED');
    expect(await listDir(pluginsDir)).toEqual(before);
  });

  it('answers 409 NO_NEWER_VERSION for the same version and DOWNGRADE for an older one, and changes nothing', async () => {
    const v1 = await publish('updsame', '1.0.0');
    const v2 = await publish('updsame', '2.0.0');
    expect((await post(`${api(backend)}/store/${v2}/install`)).status).toBe(200);
    const message = await expectErrorAnswer(await post(`${api(backend)}/store/${v2}/update`), 409, 'NO_NEWER_VERSION');
    expect(message).toContain('2.0.0');
    await expectErrorAnswer(await post(`${api(backend)}/store/updsame/update`), 409, 'NO_NEWER_VERSION');
    await expectErrorAnswer(await post(`${api(backend)}/store/${v1}/update`), 409, 'DOWNGRADE');
    expect(await pluginState('updsame')).toMatchObject({ version: '2.0.0', state: 'discovered' });
    expect(await storeView('updsame')).toMatchObject({ update_available: false });
  });
});

describe('update with a misbehaving store', () => {
  let fake: FakeStore;
  let fakeBackend: TestBackend;
  let fakePluginsDir: string;

  afterEach(async () => {
    await fakeBackend?.close();
    await fake?.close();
  });

  it('a download with the wrong SHA-256 answers 422 and leaves the old version in place and active', async () => {
    const good = await pluginZip({ name: 'updbad', version: '1.0.0' });
    const bad = await pluginZip({ name: 'updbad', version: '2.0.0' });
    fake = await startFakeStore([
      { entry: { id: 'id_v1', name: 'updbad', version: '1.0.0', size: good.length, sha256: sha256(good) }, zip: good },
      { entry: { id: 'id_v2', name: 'updbad', version: '2.0.0', size: bad.length, sha256: 'a'.repeat(64) }, zip: bad },
    ]);
    fakePluginsDir = path.join(root, 'fake', 'plugins');
    await mkdir(fakePluginsDir, { recursive: true });
    fakeBackend = await buildTestBackend({ storeUrl: fake.url, pluginsDir: fakePluginsDir, dataDir: path.join(root, 'fake', 'data') });
    expect((await post(`${api(fakeBackend)}/store/id_v1/install`)).status).toBe(200);
    expect((await post(`${api(fakeBackend)}/plugins/updbad/load`)).status).toBe(200);

    await expectErrorAnswer(await post(`${api(fakeBackend)}/store/id_v2/update`), 422, 'CHECKSUM_MISMATCH');
    expect(await listDir(fakePluginsDir)).toEqual(['updbad']);
    expect((await getJson(`${api(fakeBackend)}/plugins/updbad`)).body).toMatchObject({ state: 'active', version: '1.0.0' });
    expect((await request(`${api(fakeBackend)}/plugins/updbad/ping`)).status).toBe(200);
  });
});
