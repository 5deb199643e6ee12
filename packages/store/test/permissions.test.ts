import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from '../../../test-support/http.js';
import { buildTestStore, catalogFile, json, pluginZip, uploadZip, type TestStore } from './helpers.js';

let store: TestStore;

beforeAll(async () => {
  store = await buildTestStore();
});
afterAll(async () => {
  await store?.close();
});

const NONE = { network: [], listen: false, env: [], read: [] };

describe('permissions in catalog entries', () => {
  it('every entry (list, search, details, upload answer) shows the manifest permissions in canonical form', async () => {
    const upload = await json(
      await uploadZip(
        store,
        pluginZip('perm_probe', '1.0.0', {
          permissions: { read: ['/proc'], network: ['b.example.com:443', 'a.example.com:443'], env: ['TOKEN'] },
        }),
      ),
    );
    const want = { network: ['a.example.com:443', 'b.example.com:443'], listen: false, env: ['TOKEN'], read: ['/proc'] };
    expect(upload.plugin.permissions).toEqual(want);
    expect(upload.warnings).toBeUndefined();
    await uploadZip(store, pluginZip('perm_none', '1.0.0'));

    const list = await json(await request(`${store.api}/plugins`));
    const byName = Object.fromEntries((list.plugins as { name: string; permissions: unknown }[]).map((p) => [p.name, p.permissions]));
    expect(byName).toEqual({ perm_probe: want, perm_none: NONE });
    const search = await json(await request(`${store.api}/plugins?q=perm_probe`));
    expect(search.plugins[0].permissions).toEqual(want);
    expect((await json(await request(`${store.api}/plugins/perm_probe`))).permissions).toEqual(want);
    expect((await json(await request(`${store.api}/plugins/${upload.plugin_id}`))).permissions).toEqual(want);
    // Derived from the manifest, not stored: plugins.json keeps its format.
    const file = await catalogFile(store);
    expect(JSON.stringify(file)).not.toContain('"permissions":{"network"');
  });

  it('accepts ui.yaml required_permissions and answers a deprecation warning', async () => {
    const res = await uploadZip(
      store,
      pluginZip('legacy_perms', '1.0.0', {}, [{ name: 'ui.yaml', content: 'required_permissions: [network.outbound]\n' }]),
    );
    expect(res.status).toBe(201);
    const body = await json(res);
    expect(body.warnings).toEqual([expect.stringMatching(/^ui\.yaml: required_permissions: deprecated/)]);
  });

  it('warns when the package takes a name or API prefix another plugin of the catalog holds', async () => {
    await uploadZip(store, pluginZip('owner_plugin', '1.0.0'));
    const res = await uploadZip(
      store,
      pluginZip('taker_plugin', '1.0.0', {}, [{ name: 'ui.yaml', content: 'api_prefix: owner-plugin\n' }]),
    );
    expect(res.status).toBe(201);
    expect((await json(res)).warnings).toEqual([
      expect.stringContaining("'owner-plugin' is also the name or API prefix of plugin 'owner_plugin'"),
    ]);
    // A new version of the same plugin is no clash.
    await uploadZip(store, pluginZip('solo_plugin', '1.0.0'));
    expect((await json(await uploadZip(store, pluginZip('solo_plugin', '1.1.0')))).warnings).toBeUndefined();
  });

  it('refuses a permission the schema cannot check alone: a port out of range', async () => {
    const res = await uploadZip(store, pluginZip('bad_port', '1.0.0', { permissions: { network: ['a.example.com:99999'] } }));
    expect(res.status).toBe(422);
    expect((await json(res)).error.message).toContain('port 99999 is not in 1..65535');
  });
});
