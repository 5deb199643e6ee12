import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../test-support/service.js';
import { expectErrorAnswer } from '../test-support/errors.js';
import { listDir, pluginZip, removeDir, tempDir } from '../test-support/fixtures.js';
import { api, getJson, post, request, uploadZip } from '../test-support/http.js';
import { startBackend, startStore } from '../test-support/processes.js';

// The README's usage examples, against a real store and a real backend process, and the store
// going away and coming back on the same address. Each story is one test on services of its own:
// its steps build on each other.

let root: string;
let storageDir: string;
let pluginsDir: string;
let store: RunningService;
let backend: RunningService;

async function publish(fixture: Parameters<typeof pluginZip>[0]): Promise<string> {
  const res = await uploadZip(`${api(store)}/plugins/upload/zip`, await pluginZip(fixture));
  expect(res.status).toBe(201);
  return ((await res.json()) as { plugin_id: string }).plugin_id;
}

/** A store and a backend of its own for each describe block. */
function useServices(): void {
  beforeAll(async () => {
    root = await tempDir('e2e-store-backend');
    storageDir = path.join(root, 'store');
    pluginsDir = path.join(root, 'plugins');
    store = await startStore({ storageDir });
    backend = await startBackend({ storeUrl: api(store), pluginsDir, dataDir: path.join(root, 'data') });
  });

  afterAll(async () => {
    await backend?.stop();
    await store?.stop();
    await removeDir(root);
  });
}

describe('the usage examples', () => {
  useServices();

  it('lists the store, installs, loads and runs the action, unloads and uninstalls, with the answers shown', async () => {
    const id = await publish({
      name: 'my_plugin',
      version: '1.0.0',
      description: 'My awesome plugin',
      author: 'John Doe',
      capabilities: ['exec.my_plugin.action'],
    });
    const { status, body } = await getJson(`${api(backend)}/store`);
    expect(status).toBe(200);
    expect(body).toMatchObject({
      available: true,
      plugins: [
        {
          id,
          name: 'my_plugin',
          version: '1.0.0',
          description: 'My awesome plugin',
          author: 'John Doe',
          source: 'zip_upload',
          manifest: { name: 'my_plugin', version: '1.0.0', capabilities: ['exec.my_plugin.action'] },
        },
      ],
      total: 1,
    });

    const installed = await post(`${api(backend)}/store/${id}/install`);
    expect(installed.status).toBe(200);
    expect(await installed.json()).toEqual({
      status: 'installed',
      plugin: { id: 'my_plugin', name: 'my_plugin', version: '1.0.0', state: 'discovered', scope: 'external' },
      permissions: { network: [], listen: false, env: [], read: [] },
      signature: { state: 'unsigned' },
      warning: 'This plugin is not signed: nothing says who made it.',
      message: 'Plugin my_plugin installed successfully',
    });

    const loaded = await post(`${api(backend)}/plugins/my_plugin/load`);
    expect(loaded.status).toBe(200);
    expect(((await loaded.json()) as { state: string }).state).toBe('active');
    const action = await post(`${api(backend)}/actions/execute`, {
      type: 'my_plugin.action',
      capability: 'exec.my_plugin.action',
      payload: { n: 1 },
    });
    expect(action.status).toBe(200);
    expect(((await action.json()) as { result: unknown }).result).toEqual({ done: true, payload: { n: 1 } });

    const unloaded = await post(`${api(backend)}/plugins/my_plugin/unload`);
    expect(unloaded.status).toBe(200);
    const res = await post(`${api(backend)}/store/my_plugin/uninstall`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'uninstalled', plugin: { id: 'my_plugin' } });
    expect(await listDir(pluginsDir)).toEqual([]);
    expect((await getJson<{ total: number }>(`${api(backend)}/plugins`)).body.total).toBe(0);
    const listed = await getJson<{ plugins: Array<{ installed: boolean }> }>(`${api(backend)}/store`);
    expect(listed.body.plugins[0]?.installed).toBe(false);
  });
});

describe('the store killed, then restarted on the same port', () => {
  useServices();

  it('while it is down: GET /store says why, install answers 503 quickly, installed plugins work; once back it is seen on the next call', async () => {
    const ids: Record<string, string> = {};
    for (const name of ['survivor', 'leaver', 'latecomer']) ids[name] = await publish({ name });
    for (const name of ['survivor', 'leaver']) expect((await post(`${api(backend)}/store/${ids[name]}/install`)).status).toBe(200);
    expect((await post(`${api(backend)}/plugins/survivor/load`)).status).toBe(200);
    await store.kill();

    const started = Date.now();
    const { status, body } = await getJson<{ available: boolean; plugins: unknown[]; reason: string }>(`${api(backend)}/store`);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(status).toBe(200);
    expect(body).toMatchObject({ available: false, plugins: [], total: 0 });
    expect(body.reason).toMatch(/unavailable/);
    const health = await getJson<{ available: boolean; url: string }>(`${api(backend)}/store/health`);
    expect(health.body).toMatchObject({ available: false, url: api(store) });

    const refusedAt = Date.now();
    await expectErrorAnswer(await post(`${api(backend)}/store/${ids.latecomer}/install`), 503, 'STORE_UNAVAILABLE');
    expect(Date.now() - refusedAt).toBeLessThan(5000);
    expect(await listDir(pluginsDir)).toEqual(['leaver', 'survivor']);

    const ping = await request(`${api(backend)}/plugins/survivor/ping`);
    expect(await ping.json()).toEqual({ pong: true });
    expect((await post(`${api(backend)}/store/${ids.leaver}/uninstall`)).status).toBe(200);
    const plugins = await getJson<{ plugins: Array<{ id: string; state: string }> }>(`${api(backend)}/plugins`);
    expect(plugins.body.plugins.map((p) => [p.id, p.state])).toEqual([['survivor', 'active']]);

    store = await startStore({ storageDir, port: Number(new URL(store.url).port) });
    const back = (
      await getJson<{ available: boolean; total: number; plugins: Array<{ name: string; installed: boolean }> }>(`${api(backend)}/store`)
    ).body;
    expect(back.available).toBe(true);
    expect(back.total).toBe(3);
    expect(back.plugins.find((p) => p.name === 'survivor')?.installed).toBe(true);
    expect((await post(`${api(backend)}/store/${ids.latecomer}/install`)).status).toBe(200);
    expect(await listDir(pluginsDir)).toEqual(['latecomer', 'survivor']);
  });
});
