import { afterEach, describe, expect, it } from 'vitest';
import { STATS_FOLD_INTERVAL_MS } from '@oko/shared';
import { post, request } from '../../../test-support/http.js';
import { buildTestStore, json, pluginZip, uploadZip, type TestStore } from './helpers.js';

let store: TestStore | undefined;
let clock = 1_000_000;
const now = () => clock;

afterEach(async () => {
  await store?.close();
  store = undefined;
});

const as = (instance: string) => ({ 'x-oko-instance': instance });

async function download(target: TestStore, name: string, headers: Record<string, string> = {}): Promise<void> {
  const res = await request(`${target.api}/plugins/${name}/download`, { headers });
  expect(res.status).toBe(200);
  await res.arrayBuffer();
}

async function listed(target: TestStore, query = '', headers: Record<string, string> = {}) {
  const res = await request(`${target.api}/plugins?${query}`, { headers });
  return { status: res.status, etag: res.headers.get('etag'), body: res.status === 200 ? await json(res) : null };
}

const installsOf = async (target: TestStore, name: string) =>
  (await listed(target, `q=${name}`)).body.plugins.find((p: { name: string }) => p.name === name)?.installs;

describe('install counts and the stats fold', () => {
  it('shows a download only at the next fold, keeps the ETag (and 304) until then, and a new ETag after', async () => {
    store = await buildTestStore({ now });
    expect((await uploadZip(store, pluginZip('counted', '1.0.0'))).status).toBe(201);
    const before = await listed(store);
    expect(before.body.plugins[0]).toMatchObject({ installs: { downloads: 0, instances: 0 }, rating: { average: 0, count: 0 } });

    await download(store, 'counted', as('kitchen-instance-0000000'));
    const cached = await listed(store);
    expect(cached.etag).toBe(before.etag);
    expect(cached.body.plugins[0].installs).toEqual({ downloads: 0, instances: 0 });
    expect((await listed(store, '', { 'if-none-match': before.etag! })).status).toBe(304);
    expect((await json(await request(`${store.api}/plugins/counted`))).installs).toEqual({ downloads: 0, instances: 0 });

    clock += STATS_FOLD_INTERVAL_MS - 1;
    expect((await listed(store)).etag).toBe(before.etag);
    clock += 1;
    const folded = await listed(store);
    expect(folded.etag).not.toBe(before.etag);
    expect(folded.body.plugins[0].installs).toEqual({ downloads: 1, instances: 1 });
    expect((await listed(store, '', { 'if-none-match': before.etag! })).status).toBe(200);
    expect((await listed(store, '', { 'if-none-match': folded.etag! })).status).toBe(304);
    expect((await json(await request(`${store.api}/plugins/counted`))).installs).toEqual({ downloads: 1, instances: 1 });

    // The same instance again, an anonymous download, a HEAD (no download), then another instance.
    await download(store, 'counted', as('kitchen-instance-0000000'));
    await download(store, 'counted');
    expect((await request(`${store.api}/plugins/counted/download`, { method: 'HEAD' })).status).toBe(200);
    await download(store, 'counted', as('hall-instance-000000000'));
    clock += STATS_FOLD_INTERVAL_MS;
    expect(await installsOf(store, 'counted')).toEqual({ downloads: 4, instances: 2 });

    // Time alone makes no new epoch.
    const settled = await listed(store);
    clock += 10 * STATS_FOLD_INTERVAL_MS;
    expect((await listed(store)).etag).toBe(settled.etag);
  });

  it('counts a failed download as nothing', async () => {
    store = await buildTestStore({ now });
    expect((await request(`${store.api}/plugins/missing/download`, { headers: as('kitchen-instance-0000000') })).status).toBe(404);
    expect((await uploadZip(store, pluginZip('other', '1.0.0'))).status).toBe(201);
    clock += STATS_FOLD_INTERVAL_MS;
    expect(await installsOf(store, 'other')).toEqual({ downloads: 0, instances: 0 });
  });

  it('shows a new rating at once, under a new ETag', async () => {
    store = await buildTestStore({ now });
    expect((await uploadZip(store, pluginZip('rated', '1.0.0'))).status).toBe(201);
    const before = await listed(store);
    expect((await post(`${store.api}/plugins/rated/reviews`, { rating: 4 }, as('kitchen-instance-0000000'))).status).toBe(201);
    const after = await listed(store);
    expect(after.etag).not.toBe(before.etag);
    expect(after.body.plugins[0].rating).toEqual({ average: 4, count: 1 });
    expect((await json(await request(`${store.api}/plugins/rated`))).rating).toEqual({ average: 4, count: 1 });
  });

  it('with OKO_STORE_STATS_FOLD_S=0 shows each download on the next read', async () => {
    store = await buildTestStore({ env: { OKO_STORE_STATS_FOLD_S: '0' }, now });
    expect((await uploadZip(store, pluginZip('live', '1.0.0'))).status).toBe(201);
    await download(store, 'live', as('kitchen-instance-0000000'));
    expect(await installsOf(store, 'live')).toEqual({ downloads: 1, instances: 1 });
  });

  it('keeps counts and reviews across a restart on the same folder', async () => {
    store = await buildTestStore({ env: { OKO_STORE_STATS_FOLD_S: '0' } });
    const storage = store.storage;
    expect((await uploadZip(store, pluginZip('lasting', '1.0.0'))).status).toBe(201);
    await download(store, 'lasting', as('kitchen-instance-0000000'));
    await download(store, 'lasting');
    const review = await json(
      await post(`${store.api}/plugins/lasting/reviews`, { rating: 5, body: 'Still here' }, as('kitchen-instance-0000000')),
    );
    // close() writes the counters that have not reached the disk yet.
    await store.app.close();
    const again = await buildTestStore({ env: { OKO_STORE_STATS_FOLD_S: '0' }, storageDir: storage });
    try {
      const entry = await json(await request(`${again.api}/plugins/lasting`));
      expect(entry).toMatchObject({ installs: { downloads: 2, instances: 1 }, rating: { average: 5, count: 1 } });
      const list = await json(await request(`${again.api}/plugins/lasting/reviews`, { headers: as('kitchen-instance-0000000') }));
      expect(list.mine).toMatchObject({ id: review.id, body: 'Still here', verified_install: true });
      // The same instance still counts once, and is still a replacement.
      await download(again, 'lasting', as('kitchen-instance-0000000'));
      expect(await installsOf(again, 'lasting')).toEqual({ downloads: 3, instances: 1 });
      expect((await post(`${again.api}/plugins/lasting/reviews`, { rating: 4 }, as('kitchen-instance-0000000'))).status).toBe(200);
    } finally {
      await again.close();
      await store.close();
    }
  });
});

describe('catalog sort orders, display names and icons', () => {
  const ui = (yaml: string) => [{ name: 'ui.yaml', content: yaml }];

  it('names each entry by manifest display_name, else ui.yaml page_title, else the name; the icon is page_icon', async () => {
    store = await buildTestStore();
    const upload = async (zip: Buffer) => expect((await uploadZip(store!, zip)).status).toBe(201);
    await upload(pluginZip('both_set', '1.0.0', { display_name: 'Manifest Name' }, ui('page_title: Page Title\npage_icon: mdi-radar\n')));
    await upload(pluginZip('title_only', '1.0.0', {}, ui('has_page: true\npage_title: "  Only Title  "\n')));
    await upload(pluginZip('nothing_set', '1.0.0'));
    const page = (await listed(store)).body;
    const shown = Object.fromEntries(
      page.plugins.map((p: { name: string; display_name: string; icon: string | null }) => [p.name, [p.display_name, p.icon]]),
    );
    expect(shown).toEqual({
      both_set: ['Manifest Name', 'mdi-radar'],
      title_only: ['Only Title', null],
      nothing_set: ['nothing_set', null],
    });
    expect(await json(await request(`${store.api}/plugins/both_set`))).toMatchObject({ display_name: 'Manifest Name', icon: 'mdi-radar' });
    // q matches the display name too.
    expect((await listed(store, 'q=manifest%20name')).body.plugins.map((p: { name: string }) => p.name)).toEqual(['both_set']);
  });

  it('sorts by display name (default), newest, rating and installs, ties by name', async () => {
    store = await buildTestStore({ env: { OKO_STORE_STATS_FOLD_S: '0' } });
    // Uploaded in this order, so newest first is the reverse.
    const plugins = [
      ['zz_first', 'alpha'],
      ['aa_second', 'Charlie'],
      ['mm_third', 'bravo'],
      ['bb_fourth', 'Delta'],
    ] as const;
    for (const [name, title] of plugins) {
      expect((await uploadZip(store, pluginZip(name, '1.0.0', { display_name: title }))).status).toBe(201);
    }
    const order = async (query: string) => (await listed(store!, query)).body.plugins.map((p: { name: string }) => p.name);
    expect(await order('')).toEqual(['zz_first', 'mm_third', 'aa_second', 'bb_fourth']);
    expect(await order('sort=name')).toEqual(['zz_first', 'mm_third', 'aa_second', 'bb_fourth']);
    expect(await order('sort=newest')).toEqual(['bb_fourth', 'mm_third', 'aa_second', 'zz_first']);

    const rate = (name: string, rating: number, instance: string) =>
      post(`${store!.api}/plugins/${name}/reviews`, { rating }, as(`${instance}-instance-0000000000`));
    await rate('aa_second', 4, 'one');
    await rate('aa_second', 4, 'two');
    await rate('bb_fourth', 4, 'one');
    await rate('mm_third', 5, 'one');
    // mm 5.0 (1), aa 4.0 (2), bb 4.0 (1), zz none
    expect(await order('sort=rating')).toEqual(['mm_third', 'aa_second', 'bb_fourth', 'zz_first']);

    await download(store, 'zz_first', as('one-instance-0000000000'));
    await download(store, 'zz_first', as('one-instance-0000000000'));
    await download(store, 'bb_fourth', as('one-instance-0000000000'));
    await download(store, 'bb_fourth', as('two-instance-0000000000'));
    await download(store, 'aa_second', as('one-instance-0000000000'));
    // bb 2 instances, zz 1 instance 2 downloads, aa 1 instance 1 download, mm none
    expect(await order('sort=installs')).toEqual(['bb_fourth', 'zz_first', 'aa_second', 'mm_third']);
    expect(await order('sort=installs&per_page=2&page=2')).toEqual(['aa_second', 'mm_third']);
    expect(await order('sort=rating&q=a')).toEqual(['mm_third', 'aa_second', 'bb_fourth', 'zz_first']);
    expect((await request(`${store.api}/plugins?sort=popular`)).status).toBe(400);
  });

  it('keeps a name’s versions together with all_versions, newest first, and orders every version by its own time for newest', async () => {
    store = await buildTestStore();
    for (const [name, version] of [
      ['beta_one', '1.0.0'],
      ['alpha_one', '1.0.0'],
      ['beta_one', '2.0.0'],
    ] as const) {
      expect((await uploadZip(store, pluginZip(name, version))).status).toBe(201);
    }
    const order = async (query: string) =>
      (await listed(store!, `all_versions=true&${query}`)).body.plugins.map(
        (p: { name: string; version: string }) => `${p.name}@${p.version}`,
      );
    expect(await order('')).toEqual(['alpha_one@1.0.0', 'beta_one@2.0.0', 'beta_one@1.0.0']);
    expect(await order('sort=newest')).toEqual(['beta_one@2.0.0', 'alpha_one@1.0.0', 'beta_one@1.0.0']);
    expect(await order('sort=installs')).toEqual(['alpha_one@1.0.0', 'beta_one@2.0.0', 'beta_one@1.0.0']);
  });
});
