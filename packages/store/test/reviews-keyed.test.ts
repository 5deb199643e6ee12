import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expectErrorAnswer } from '../../../test-support/errors.js';
import { post, request } from '../../../test-support/http.js';
import { buildTestStore, json, pluginZip, uploadZip, type TestStore } from './helpers.js';

// A store with OKO_STORE_API_KEY: a reviewer is a dashboard token.
const KEY = 'admin-key-0123456789';
const admin = { 'x-api-key': KEY };
let store: TestStore;

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const postReview = (name: string, body: unknown, headers: Record<string, string> = {}) =>
  post(`${store.api}/plugins/${name}/reviews`, body, headers);
const deleteReview = (name: string, id: string, headers: Record<string, string> = {}) =>
  request(`${store.api}/plugins/${name}/reviews/${id}`, { method: 'DELETE', headers });

async function token(name: string, kind: 'dashboard' | 'publisher'): Promise<{ id: string; token: string }> {
  const res = await post(`${store.api}/publishers`, { name, kind }, admin);
  expect(res.status).toBe(201);
  return json(res);
}

async function download(name: string, headers: Record<string, string>): Promise<void> {
  const res = await request(`${store.api}/plugins/${name}/download`, { headers });
  expect(res.status).toBe(200);
  await res.arrayBuffer();
}

beforeEach(async () => {
  store = await buildTestStore({ env: { OKO_STORE_API_KEY: KEY, OKO_STORE_STATS_FOLD_S: '0' } });
  expect((await uploadZip(store, pluginZip('keyed_demo', '1.0.0'), admin)).status).toBe(201);
});
afterEach(async () => {
  await store?.close();
});

describe('reviews on a store with a key', () => {
  it('takes the dashboard token as the reviewer: its name shown, one review per token and name', async () => {
    const kitchen = await token('kitchen-dashboard', 'dashboard');
    const first = await postReview('keyed_demo', { rating: 5, title: 'Great' }, bearer(kitchen.token));
    expect(first.status).toBe(201);
    const review = await json(first);
    expect(review).toMatchObject({ reviewer: 'kitchen-dashboard', verified_install: false, rating: 5 });
    const again = await postReview('keyed_demo', { rating: 4 }, bearer(kitchen.token));
    expect(again.status).toBe(200);
    expect((await json(again)).id).toBe(review.id);
    // X-OKO-Instance names nobody on a keyed store: the token does.
    const withInstance = await postReview(
      'keyed_demo',
      { rating: 1 },
      { ...bearer(kitchen.token), 'x-oko-instance': 'other-instance-00000000' },
    );
    expect(withInstance.status).toBe(200);
    const list = await json(await request(`${store.api}/plugins/keyed_demo/reviews`, { headers: bearer(kitchen.token) }));
    expect(list).toMatchObject({ total: 1, rating: { average: 1, count: 1 } });
    expect(list.mine.id).toBe(review.id);
  });

  it('says verified_install when that token downloaded the name, not another token or an anonymous download', async () => {
    const hall = await token('hall', 'dashboard');
    const attic = await token('attic', 'dashboard');
    await download('keyed_demo', bearer(hall.token));
    await download('keyed_demo', {});
    expect(await json(await postReview('keyed_demo', { rating: 5 }, bearer(hall.token)))).toMatchObject({
      verified_install: true,
      version: '1.0.0',
    });
    expect((await json(await postReview('keyed_demo', { rating: 2 }, bearer(attic.token)))).verified_install).toBe(false);
  });

  it('counts a dashboard only by its token: made-up X-OKO-Instance ids add downloads, never instances', async () => {
    const hall = await token('hall', 'dashboard');
    for (let i = 0; i < 5; i++) await download('keyed_demo', { 'x-oko-instance': `made-up-instance-${i}-00000000` });
    await download('keyed_demo', { ...bearer(hall.token), 'x-oko-instance': 'made-up-instance-x-00000000' });
    expect((await json(await request(`${store.api}/plugins/keyed_demo`))).installs).toEqual({ downloads: 6, instances: 1 });
  });

  it('refuses no token with 401, a wrong one with 401, a publisher token or the admin key with 403 TOKEN_NOT_ALLOWED', async () => {
    const publisher = await token('acme', 'publisher');
    await expectErrorAnswer(await postReview('keyed_demo', { rating: 3 }), 401, 'UNAUTHORIZED');
    await expectErrorAnswer(
      await postReview('keyed_demo', { rating: 3 }, { 'x-oko-instance': 'instance-0000000000000' }),
      401,
      'UNAUTHORIZED',
    );
    await expectErrorAnswer(await postReview('keyed_demo', { rating: 3 }, bearer('oko_dash_forged')), 401, 'UNAUTHORIZED');
    await expectErrorAnswer(await postReview('keyed_demo', { rating: 3 }, bearer(publisher.token)), 403, 'TOKEN_NOT_ALLOWED');
    await expectErrorAnswer(await postReview('keyed_demo', { rating: 3 }, admin), 403, 'TOKEN_NOT_ALLOWED');
    // The identity is settled before the body: a bad body from nobody is still 401.
    await expectErrorAnswer(await postReview('keyed_demo', { rating: 9 }), 401, 'UNAUTHORIZED');
    expect((await json(await request(`${store.api}/plugins/keyed_demo/reviews`))).total).toBe(0);
  });

  it('lets only the admin key delete a review', async () => {
    const porch = await token('porch', 'dashboard');
    const publisher = await token('acme', 'publisher');
    const review = await json(await postReview('keyed_demo', { rating: 1, body: 'rude words' }, bearer(porch.token)));
    await expectErrorAnswer(await deleteReview('keyed_demo', review.id), 401, 'UNAUTHORIZED');
    await expectErrorAnswer(await deleteReview('keyed_demo', review.id, { 'x-api-key': 'wrong' }), 401, 'UNAUTHORIZED');
    await expectErrorAnswer(await deleteReview('keyed_demo', review.id, bearer(porch.token)), 403, 'TOKEN_NOT_ALLOWED');
    await expectErrorAnswer(await deleteReview('keyed_demo', review.id, bearer(publisher.token)), 403, 'TOKEN_NOT_ALLOWED');
    expect((await json(await request(`${store.api}/plugins/keyed_demo/reviews`))).total).toBe(1);
    expect((await deleteReview('keyed_demo', review.id, admin)).status).toBe(200);
    await expectErrorAnswer(await deleteReview('keyed_demo', review.id, admin), 404, 'REVIEW_NOT_FOUND');
    await expectErrorAnswer(await deleteReview('keyed_demo', 'bad/id', admin), 404, 'ROUTE_NOT_FOUND');
    await expectErrorAnswer(await deleteReview('keyed_demo', 'bad.id', admin), 400, 'VALIDATION_FAILED');
  });

  it("keeps a revoked token's review, which nobody can replace", async () => {
    const garage = await token('garage', 'dashboard');
    const review = await json(await postReview('keyed_demo', { rating: 4, title: 'Kept' }, bearer(garage.token)));
    expect((await request(`${store.api}/publishers/${garage.id}`, { method: 'DELETE', headers: admin })).status).toBe(200);
    await expectErrorAnswer(await postReview('keyed_demo', { rating: 1 }, bearer(garage.token)), 401, 'UNAUTHORIZED');
    // A new token of the same name is another reviewer.
    const again = await token('garage', 'dashboard');
    expect((await postReview('keyed_demo', { rating: 2 }, bearer(again.token))).status).toBe(201);
    const list = await json(await request(`${store.api}/plugins/keyed_demo/reviews`));
    expect(list.total).toBe(2);
    expect(list.reviews.find((r: { id: string }) => r.id === review.id)).toMatchObject({ title: 'Kept', reviewer: 'garage' });
  });

  it('refuses review writes while the catalog is read-only, and still lists the reviews', async () => {
    const shed = await token('shed', 'dashboard');
    const review = await json(await postReview('keyed_demo', { rating: 3 }, bearer(shed.token)));
    const storage = store.storage;
    await store.app.close();
    const file = path.join(storage, 'plugins.json');
    const catalog = JSON.parse(await readFile(file, 'utf8'));
    catalog.plugins.push({ id: 'broken' });
    await writeFile(file, JSON.stringify(catalog));
    const readOnly = await buildTestStore({ env: { OKO_STORE_API_KEY: KEY }, storageDir: storage });
    try {
      await expectErrorAnswer(
        await post(`${readOnly.api}/plugins/keyed_demo/reviews`, { rating: 5 }, bearer(shed.token)),
        503,
        'CATALOG_READ_ONLY',
      );
      await expectErrorAnswer(
        await request(`${readOnly.api}/plugins/keyed_demo/reviews/${review.id}`, { method: 'DELETE', headers: admin }),
        503,
        'CATALOG_READ_ONLY',
      );
      expect((await json(await request(`${readOnly.api}/plugins/keyed_demo/reviews`))).total).toBe(1);
    } finally {
      await readOnly.close();
    }
  });
});
