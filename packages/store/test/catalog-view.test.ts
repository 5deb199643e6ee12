import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from '../../../test-support/http.js';
import { buildTestStore, json, pluginZip, uploadZip, type TestStore } from './helpers.js';

let store: TestStore;

beforeAll(async () => {
  store = await buildTestStore();
});
afterAll(async () => {
  await store?.close();
});

const listed = async (query: string) => {
  const body = await json(await request(`${store.api}/plugins?${query}`));
  return { total: body.total as number, names: (body.plugins as { name: string; version: string }[]).map((p) => `${p.name}@${p.version}`) };
};

describe('catalog list and search after writes', () => {
  it('answers from the catalog as it is after each upload and delete, never an earlier sorted view', async () => {
    const upload = async (name: string, version: string, tags: string[]) =>
      (await json(await uploadZip(store, pluginZip(name, version, { tags, description: `${name} probe` })))).plugin_id as string;
    await upload('web_probe', '1.0.0', ['net']);
    await upload('disk_probe', '1.0.0', ['disk']);
    // Read both a list and a search, so a stale view would be cached by now.
    expect(await listed('')).toEqual({ total: 2, names: ['disk_probe@1.0.0', 'web_probe@1.0.0'] });
    expect(await listed('q=PROBE&tag=net')).toEqual({ total: 1, names: ['web_probe@1.0.0'] });

    const newer = await upload('web_probe', '1.10.0', ['net']);
    await upload('arp_probe', '0.1.0', ['NET']);
    expect(await listed('all_versions=true')).toEqual({
      total: 4,
      names: ['arp_probe@0.1.0', 'disk_probe@1.0.0', 'web_probe@1.10.0', 'web_probe@1.0.0'],
    });
    expect(await listed('q=probe&tag=net&per_page=2&page=2&all_versions=true')).toEqual({ total: 3, names: ['web_probe@1.0.0'] });
    expect(await listed('')).toEqual({ total: 3, names: ['arp_probe@0.1.0', 'disk_probe@1.0.0', 'web_probe@1.10.0'] });
    expect(await listed('q=probe&tag=net&per_page=1&page=2')).toEqual({ total: 2, names: ['web_probe@1.10.0'] });
    expect((await json(await request(`${store.api}/plugins/web_probe`))).version).toBe('1.10.0');

    expect((await request(`${store.api}/plugins/${newer}`, { method: 'DELETE' })).status).toBe(200);
    expect(await listed('')).toEqual({ total: 3, names: ['arp_probe@0.1.0', 'disk_probe@1.0.0', 'web_probe@1.0.0'] });
    expect(await listed('q=web')).toEqual({ total: 1, names: ['web_probe@1.0.0'] });
    expect((await json(await request(`${store.api}/plugins/web_probe`))).version).toBe('1.0.0');
  });
});
