import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { pluginFiles, sha256, zipFiles } from '../../../test-support/fixtures.js';
import { eventually } from '../../../test-support/eventually.js';
import { api, getJson, post } from '../../../test-support/http.js';
import { PluginManager } from '../src/plugin-manager/plugin-manager.js';
import { fakeStoreSetup } from './fake-store-setup.js';

// What an install and an update ask of the store: the entry once (the dependency checks hand it
// to the installer), the package once, and no version list for a plugin that needs no others.

const { backendFor, fakeStore } = fakeStoreSetup('install-store-calls');

async function listed(name: string, version: string) {
  const zip = await zipFiles(pluginFiles({ name, version }));
  return { entry: { id: `${name}_${version.replaceAll('.', '_')}`, name, version, size: zip.length, sha256: sha256(zip) }, zip };
}

describe('the store calls of an install', () => {
  it('fetches the entry and the package once each, and no version list, for an install by id and an update by name', async () => {
    const v1 = await listed('calls', '1.0.0');
    const v2 = await listed('calls', '2.0.0');
    // By name the store answers its first match: the newest.
    const store = await fakeStore([v2, v1]);
    const { backend, dataDir } = await backendFor(store.url, 'calls');
    const calls = () => store.requests.splice(0).map((r) => `${r.method} ${r.url.replace(/^\/api\/v1/, '')}`);

    const install = await post(`${api(backend)}/store/calls_1_0_0/install`);
    expect(install.status, await install.clone().text()).toBe(200);
    expect(((await install.json()) as { plugin: { state: string } }).plugin.state).toBe('discovered');
    expect(calls()).toEqual(['GET /plugins/calls_1_0_0', 'GET /plugins/calls_1_0_0/download']);
    // The installed plugin is in the next list, with its package kept (the cache may finish writing its
    // files after the answer; what it lists waits for them).
    const listing = (
      await getJson<{ plugins: Array<{ id: string; version: string; versions: { cached_versions: string[] } }> }>(`${api(backend)}/plugins`)
    ).body.plugins;
    expect(listing).toEqual([
      expect.objectContaining({ id: 'calls', version: '1.0.0', versions: expect.objectContaining({ cached_versions: ['1.0.0'] }) }),
    ]);
    await eventually(async () =>
      expect(await readdir(path.join(dataDir, 'packages', 'calls'))).toEqual(expect.arrayContaining(['calls_1_0_0.zip', 'history.json'])),
    );
    calls();

    const update = await post(`${api(backend)}/store/calls/update`);
    expect(update.status, await update.clone().text()).toBe(200);
    expect(calls()).toEqual(['GET /plugins/calls', 'GET /plugins/calls_2_0_0/download']);
    expect((await getJson<{ version: string }>(`${api(backend)}/plugins/calls`)).body.version).toBe('2.0.0');
  });

  it('lists the installed plugins once before the download and once under the lock, then reads only the placed folder', async () => {
    const v1 = await listed('scans', '1.0.0');
    const store = await fakeStore([v1]);
    const { backend } = await backendFor(store.url, 'scans');
    const lists = vi.spyOn(PluginManager.prototype, 'list');
    const gets = vi.spyOn(PluginManager.prototype, 'get');
    const discovered = vi.spyOn(PluginManager.prototype, 'discover');
    try {
      const install = await post(`${api(backend)}/store/scans_1_0_0/install`);
      expect(install.status, await install.clone().text()).toBe(200);
      expect([lists.mock.calls.length, gets.mock.calls.length, discovered.mock.calls]).toEqual([2, 0, [['scans']]]);
    } finally {
      vi.restoreAllMocks();
    }
    // A rescan of the folder finds it as installed.
    expect((await getJson<{ plugins: Array<{ id: string }> }>(`${api(backend)}/plugins`)).body.plugins.map((p) => p.id)).toEqual(['scans']);
  });
});
