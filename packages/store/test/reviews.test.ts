import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REVIEW_BODY_MAX, REVIEW_TITLE_MAX } from '@oko/shared';
import { expectErrorAnswer } from '../../../test-support/errors.js';
import { post, request } from '../../../test-support/http.js';
import { buildTestStore, json, pluginZip, uploadZip, type TestStore } from './helpers.js';

// An open store (no OKO_STORE_API_KEY): a review names its dashboard with X-OKO-Instance.
let store: TestStore;
const ALICE = 'alice-instance-0123456789';
const BOB = 'bob_instance_abcdefghijkl';

const as = (instance: string) => ({ 'x-oko-instance': instance });
const postReview = (name: string, body: unknown, headers: Record<string, string> = {}) =>
  post(`${store.api}/plugins/${name}/reviews`, body, headers);
const reviewsOf = async (name: string, query = '', headers: Record<string, string> = {}) =>
  json(await request(`${store.api}/plugins/${name}/reviews${query}`, { headers }));
const download = async (name: string, headers: Record<string, string>) => {
  const res = await request(`${store.api}/plugins/${name}/download`, { headers });
  expect(res.status).toBe(200);
  await res.arrayBuffer();
};

beforeAll(async () => {
  store = await buildTestStore();
  for (const name of ['rated_one', 'rated_two', 'limits_demo', 'verified_demo', 'paged_demo', 'moderated']) {
    expect((await uploadZip(store, pluginZip(name, '1.0.0'))).status).toBe(201);
  }
});
afterAll(async () => {
  await store?.close();
});

describe('reviews on an open store', () => {
  it('creates a review with 201, replaces it with 200 keeping its id and created_at, one per instance and name', async () => {
    const first = await postReview('rated_one', { rating: 4, title: 'Good', body: 'Works' }, as(ALICE));
    expect(first.status).toBe(201);
    const created = await json(first);
    const label = `dashboard ${createHash('sha256').update(ALICE).digest('hex').slice(0, 8)}`;
    expect(created).toMatchObject({ plugin: 'rated_one', rating: 4, title: 'Good', body: 'Works', reviewer: label, version: null });
    expect(created.created_at).toBe(created.updated_at);

    const again = await postReview('rated_one', { rating: 2 }, as(ALICE));
    expect(again.status).toBe(200);
    const replaced = await json(again);
    expect(replaced).toMatchObject({ id: created.id, rating: 2, title: '', body: '', created_at: created.created_at });
    expect(replaced.updated_at >= created.updated_at).toBe(true);

    expect((await postReview('rated_one', { rating: 5 }, as(BOB))).status).toBe(201);
    // Another name is another review.
    expect((await postReview('rated_two', { rating: 1 }, as(ALICE))).status).toBe(201);

    const list = await reviewsOf('rated_one');
    expect(list.total).toBe(2);
    expect(list.rating).toEqual({ average: 3.5, count: 2 });
    expect(list.reviews.map((r: { rating: number }) => r.rating)).toEqual([5, 2]);
    expect(list).not.toHaveProperty('mine');
    expect((await reviewsOf('rated_one', '', as(ALICE))).mine).toMatchObject({ id: created.id, rating: 2 });
    expect((await reviewsOf('rated_two', '', as(BOB))).mine).toBeNull();
  });

  it('never shows or stores the instance id itself', async () => {
    const list = await reviewsOf('rated_one');
    expect(JSON.stringify(list)).not.toContain(ALICE);
    const file = await readFile(path.join(store.storage, 'reviews.json'), 'utf8');
    expect(file).not.toContain(ALICE);
    expect(file).not.toContain(BOB);
  });

  it('refuses a post without a valid X-OKO-Instance with 400 INSTANCE_ID_REQUIRED', async () => {
    await expectErrorAnswer(await postReview('rated_one', { rating: 3 }), 400, 'INSTANCE_ID_REQUIRED');
    for (const bad of ['short', 'has space in it 0123456', '../../etc/passwd00000', 'x'.repeat(65)]) {
      await expectErrorAnswer(await postReview('rated_one', { rating: 3 }, as(bad)), 400, 'INSTANCE_ID_REQUIRED');
    }
  });

  it('says verified_install only for an instance that downloaded the name, with the version it downloaded', async () => {
    const downloader = 'downloader-0000000000000';
    await download('verified_demo', as(downloader));
    expect(await json(await postReview('verified_demo', { rating: 5 }, as(downloader)))).toMatchObject({
      verified_install: true,
      version: '1.0.0',
    });
    expect(await json(await postReview('verified_demo', { rating: 1 }, as('stranger-00000000000000')))).toMatchObject({
      verified_install: false,
      version: null,
    });
    // An anonymous download names nobody.
    await download('verified_demo', {});
    expect((await json(await postReview('verified_demo', { rating: 1 }, as('stranger-00000000000000')))).verified_install).toBe(false);
  });

  it.each([
    ['rating 0', { rating: 0 }],
    ['rating 6', { rating: 6 }],
    ['rating 2.5', { rating: 2.5 }],
    ["rating '5'", { rating: '5' }],
    ['no rating', { title: 'x' }],
    ['an unknown field', { rating: 3, extra: true }],
    ['a title too long', { rating: 3, title: 't'.repeat(REVIEW_TITLE_MAX + 1) }],
    ['a body too long', { rating: 3, body: 'b'.repeat(REVIEW_BODY_MAX + 1) }],
    ['a title that is no string', { rating: 3, title: 7 }],
    ['an array', [{ rating: 3 }]],
  ])('refuses %s with 400 VALIDATION_FAILED, storing nothing', async (_what, body) => {
    const instance = 'limits-instance-000000000';
    await expectErrorAnswer(await postReview('limits_demo', body, as(instance)), 400, 'VALIDATION_FAILED');
    expect((await reviewsOf('limits_demo', '', as(instance))).mine).toBeNull();
  });

  it('accepts the limits exactly, stores text as plain text: controls stripped, HTML kept as typed', async () => {
    const instance = 'text-instance-00000000000';
    const at = await postReview(
      'limits_demo',
      { rating: 3, title: 't'.repeat(REVIEW_TITLE_MAX), body: 'b'.repeat(REVIEW_BODY_MAX) },
      as(instance),
    );
    expect(at.status).toBe(201);
    const html = '<script>alert(1)</script><img src=x onerror=alert(2)>';
    const review = await json(
      await postReview(
        'limits_demo',
        { rating: 3, title: '  Ti\u0000t\u001ble\nline\u202e ', body: `${html}\r\nsecond\u0007 line\u0085\tend  ` },
        as(instance),
      ),
    );
    expect(review.title).toBe('Title line');
    expect(review.body).toBe(`${html}\nsecond line end`);
  });

  it('counts the limits in characters, so a body of emoji stays a few bytes each; a lone surrogate becomes U+FFFD', async () => {
    const instance = 'unicode-instance-00000000';
    const emoji = '\u{1F600}'.repeat(REVIEW_BODY_MAX);
    expect((await postReview('limits_demo', { rating: 4, body: emoji }, as(instance))).status).toBe(201);
    await expectErrorAnswer(await postReview('limits_demo', { rating: 4, body: `${emoji}x` }, as(instance)), 400, 'VALIDATION_FAILED');
    const review = await json(await postReview('limits_demo', { rating: 4, title: 'a\uD800b', body: '\uDC00'.repeat(3) }, as(instance)));
    expect(review).toMatchObject({ title: 'a\uFFFDb', body: '\uFFFD'.repeat(3) });
    const file = await readFile(path.join(store.storage, 'reviews.json'), 'utf8');
    expect(file).not.toMatch(/\\ud[89a-f]/i);
  });

  it('pages newest first by updated_at', async () => {
    for (let i = 0; i < 5; i++) await postReview('paged_demo', { rating: (i % 5) + 1, title: `r${i}` }, as(`pager-${i}-0000000000000000`));
    // Replacing the oldest makes it the newest.
    await postReview('paged_demo', { rating: 5, title: 'r0 again' }, as('pager-0-0000000000000000'));
    const page1 = await reviewsOf('paged_demo', '?per_page=2');
    expect(page1).toMatchObject({ total: 5, page: 1, per_page: 2 });
    expect(page1.reviews.map((r: { title: string }) => r.title)).toEqual(['r0 again', 'r4']);
    const page3 = await reviewsOf('paged_demo', '?per_page=2&page=3');
    expect(page3.reviews.map((r: { title: string }) => r.title)).toEqual(['r1']);
    expect((await request(`${store.api}/plugins/paged_demo/reviews?per_page=51`)).status).toBe(400);
  });

  it('answers 404 PLUGIN_NOT_FOUND for a name not in the catalog, and 400 for a catalog id or no name', async () => {
    await expectErrorAnswer(await request(`${store.api}/plugins/no_such_plugin/reviews`), 404, 'PLUGIN_NOT_FOUND');
    await expectErrorAnswer(await postReview('no_such_plugin', { rating: 3 }, as(ALICE)), 404, 'PLUGIN_NOT_FOUND');
    await expectErrorAnswer(await request(`${store.api}/plugins/0123456789ab/reviews`), 400, 'VALIDATION_FAILED');
    await expectErrorAnswer(await request(`${store.api}/plugins/Bad-Name/reviews`), 400, 'VALIDATION_FAILED');
  });

  it('lets anyone delete a review on an open store, as every write there is the admin’s; REVIEW_NOT_FOUND after', async () => {
    const review = await json(await postReview('moderated', { rating: 1, body: 'spam' }, as(ALICE)));
    const url = `${store.api}/plugins/moderated/reviews/${review.id}`;
    const deleted = await request(url, { method: 'DELETE' });
    expect(deleted.status).toBe(200);
    expect(await json(deleted)).toMatchObject({ success: true, review_id: review.id });
    expect((await reviewsOf('moderated')).total).toBe(0);
    await expectErrorAnswer(await request(url, { method: 'DELETE' }), 404, 'REVIEW_NOT_FOUND');
    await expectErrorAnswer(
      await request(`${store.api}/plugins/no_such_plugin/reviews/abc`, { method: 'DELETE' }),
      404,
      'PLUGIN_NOT_FOUND',
    );
  });

  it('refuses a review post or delete from another site’s page', async () => {
    const crossSite = { ...as(ALICE), origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' };
    await expectErrorAnswer(await postReview('rated_two', { rating: 5 }, crossSite), 403, 'CROSS_SITE_REQUEST');
    const mine = (await reviewsOf('rated_two', '', as(ALICE))).mine;
    expect(mine.rating).toBe(1);
    await expectErrorAnswer(
      await request(`${store.api}/plugins/rated_two/reviews/${mine.id}`, { method: 'DELETE', headers: crossSite }),
      403,
      'CROSS_SITE_REQUEST',
    );
  });
});
