import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expectErrorAnswer } from '../../../test-support/errors.js';
import { listDir, pluginZip, removeDir, tempDir } from '../../../test-support/fixtures.js';
import { buildTestBackend, type TestBackend } from '../../../test-support/backend-app.js';
import { api, getJson, post, request, uploadZip } from '../../../test-support/http.js';
import { buildTestStore, type TestStore } from '../../../test-support/store-app.js';

// Install and uninstall against a real store, both built in-process. Each test gets its own store
// (alpha, beta, racer and gamma published) and its own backend, and installs what it starts from.

let root: string;
let store: TestStore;
let backend: TestBackend;
let pluginsDir: string;
const storeIds: Record<string, string> = {};

async function publish(name: string, capabilities: string[] = []): Promise<string> {
  const res = await uploadZip(`${api(store)}/plugins/upload/zip`, await pluginZip({ name, capabilities }));
  const body = (await res.json()) as { plugin_id: string };
  expect(res.status).toBeLessThan(300);
  return body.plugin_id;
}

beforeEach(async () => {
  root = await tempDir('store-install');
  pluginsDir = path.join(root, 'plugins');
  store = await buildTestStore({ storageDir: path.join(root, 'store') });
  backend = await buildTestBackend({ storeUrl: api(store), pluginsDir, dataDir: path.join(root, 'data') });
  for (const name of ['alpha', 'beta', 'racer', 'gamma']) storeIds[name] = await publish(name, [`exec.${name}.run`]);
});

afterEach(async () => {
  await backend?.close();
  await store?.close();
  await removeDir(root);
});

/** Installs the named plugins as the state a test starts from. */
async function installed(...names: string[]): Promise<void> {
  for (const name of names) expect((await post(`${api(backend)}/store/${storeIds[name]}/install`)).status).toBe(200);
}

describe('GET /store', () => {
  it("lists the store's plugins with whether and how each is installed here", async () => {
    const { status, body } = await getJson<{ available: boolean; total: number; plugins: Array<Record<string, unknown>> }>(
      `${api(backend)}/store`,
    );
    expect(status).toBe(200);
    expect(body.available).toBe(true);
    expect(body.total).toBe(4);
    const alpha = body.plugins.find((p) => p.name === 'alpha');
    expect(alpha).toMatchObject({
      id: storeIds.alpha,
      version: '1.0.0',
      source: 'zip_upload',
      installed: false,
      installed_version: null,
      installed_state: null,
    });
    expect(alpha?.manifest).toMatchObject({ name: 'alpha', capabilities: ['exec.alpha.run'] });
  });

  it('passes the search query on to the store', async () => {
    const { body } = await getJson<{ plugins: Array<{ name: string }> }>(`${api(backend)}/store?q=beta`);
    expect(body.plugins.map((p) => p.name)).toEqual(['beta']);
  });

  it('GET /store/{id} answers one plugin, by catalog id or by name; unknown is 404', async () => {
    const byId = await getJson<Record<string, unknown>>(`${api(backend)}/store/${storeIds.beta}`);
    expect(byId.body).toMatchObject({ id: storeIds.beta, name: 'beta', installed: false });
    expect((await getJson<Record<string, unknown>>(`${api(backend)}/store/beta`)).body.id).toBe(storeIds.beta);
    await expectErrorAnswer(await request(`${api(backend)}/store/no_such_plugin`), 404, 'PLUGIN_NOT_FOUND');
  });

  it('GET /store/health reports the store, its URL and answer time', async () => {
    const { body } = await getJson<Record<string, unknown>>(`${api(backend)}/store/health`);
    expect(body).toMatchObject({ available: true, url: api(store), store: { plugins_count: 4 } });
    expect(body.response_time_ms).toBeGreaterThanOrEqual(0);
  });
});

describe('install and uninstall', () => {
  it('installs by catalog id: the plugin is discovered, marked installed, and records where it came from', async () => {
    const res = await post(`${api(backend)}/store/${storeIds.alpha}/install`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      status: 'installed',
      plugin: { id: 'alpha', name: 'alpha', version: '1.0.0', state: 'discovered', scope: 'external' },
      permissions: { network: [], listen: false, env: [], read: [] },
      signature: { state: 'unsigned' },
      warning: 'This plugin is not signed: nothing says who made it.',
      message: 'Plugin alpha installed successfully',
    });
    expect(await listDir(pluginsDir)).toEqual(['alpha']);
    const record = JSON.parse(await readFile(path.join(pluginsDir, 'alpha', '.oko-install.json'), 'utf8')) as { store_id: string };
    expect(record.store_id).toBe(storeIds.alpha);
    const listed = await getJson<{ plugins: Array<Record<string, unknown>> }>(`${api(backend)}/store`);
    expect(listed.body.plugins.find((p) => p.name === 'alpha')).toMatchObject({
      installed: true,
      installed_version: '1.0.0',
      installed_state: 'discovered',
    });
  });

  it('answers 409 ALREADY_INSTALLED for a second install, by id or by name, and changes nothing', async () => {
    await installed('alpha');
    await expectErrorAnswer(await post(`${api(backend)}/store/${storeIds.alpha}/install`), 409, 'ALREADY_INSTALLED');
    await expectErrorAnswer(await post(`${api(backend)}/store/alpha/install`), 409, 'ALREADY_INSTALLED');
    expect(await listDir(pluginsDir)).toEqual(['alpha']);
  });

  it('answers 404 for an id the store does not know, and changes nothing', async () => {
    await installed('alpha');
    await expectErrorAnswer(await post(`${api(backend)}/store/deadbeef0000/install`), 404, 'PLUGIN_NOT_FOUND');
    expect(await listDir(pluginsDir)).toEqual(['alpha']);
  });

  it('lets exactly one of two concurrent installs of one plugin win; the other gets 409', async () => {
    await installed('alpha');
    const answers = await Promise.all([
      post(`${api(backend)}/store/${storeIds.racer}/install`),
      post(`${api(backend)}/store/${storeIds.racer}/install`),
    ]);
    const statuses = answers.map((res) => res.status).sort();
    expect(statuses).toEqual([200, 409]);
    const loser = answers.find((res) => res.status === 409)!;
    const code = ((await loser.json()) as { error: { code: string } }).error.code;
    expect(['INSTALL_IN_PROGRESS', 'ALREADY_INSTALLED']).toContain(code);
    expect(await listDir(pluginsDir)).toEqual(['alpha', 'racer']);
  });

  it('lets exactly one win when the same plugin is asked for by id and by name at once', async () => {
    await installed('alpha', 'racer');
    const answers = await Promise.all([
      post(`${api(backend)}/store/${storeIds.gamma}/install`),
      post(`${api(backend)}/store/gamma/install`),
    ]);
    expect(answers.map((res) => res.status).sort()).toEqual([200, 409]);
    expect(await listDir(pluginsDir)).toEqual(['alpha', 'gamma', 'racer']);
  });

  it('uninstalls an active plugin by its store id: unloads it first, then removes the folder', async () => {
    await installed('alpha', 'gamma', 'racer');
    const loaded = await post(`${api(backend)}/plugins/racer/load`);
    expect(loaded.status).toBe(200);
    const ping = await request(`${api(backend)}/plugins/racer/ping`);
    expect(ping.status).toBe(200);
    const res = await post(`${api(backend)}/store/${storeIds.racer}/uninstall`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'uninstalled', plugin: { id: 'racer', name: 'racer' } });
    expect(await listDir(pluginsDir)).toEqual(['alpha', 'gamma']);
    await expectErrorAnswer(await request(`${api(backend)}/plugins/racer`), 404, 'PLUGIN_NOT_FOUND');
    expect((await request(`${api(backend)}/plugins/racer/ping`)).status).toBe(404);
  });

  it('uninstalls by installed name', async () => {
    await installed('alpha', 'gamma');
    expect((await post(`${api(backend)}/store/gamma/uninstall`)).status).toBe(200);
    expect(await listDir(pluginsDir)).toEqual(['alpha']);
  });

  it('answers 404 NOT_INSTALLED for a plugin that is not installed, and changes nothing', async () => {
    await installed('alpha');
    await expectErrorAnswer(await post(`${api(backend)}/store/beta/uninstall`), 404, 'NOT_INSTALLED');
    await expectErrorAnswer(await post(`${api(backend)}/store/${storeIds.beta}/uninstall`), 404, 'NOT_INSTALLED');
    expect(await listDir(pluginsDir)).toEqual(['alpha']);
  });

  it('can install again after an uninstall', async () => {
    await installed('alpha', 'racer');
    expect((await post(`${api(backend)}/store/racer/uninstall`)).status).toBe(200);
    expect((await post(`${api(backend)}/store/${storeIds.racer}/install`)).status).toBe(200);
    expect(await listDir(pluginsDir)).toEqual(['alpha', 'racer']);
  });
});
