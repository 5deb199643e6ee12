import { stat } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REVIEW_BODY_MAX } from '@oko/shared';
import { expectErrorAnswer } from '../../../test-support/errors.js';
import { post, request } from '../../../test-support/http.js';
import { buildTestStore, json, pluginZip, uploadZip, type TestStore } from './helpers.js';

// An open store: every new X-OKO-Instance is a new reviewer, so a script can post without end.
let store: TestStore;
const PER_NAME = 3;
const FILE_BYTES = 40_000;
const as = (n: number) => ({ 'x-oko-instance': `spam-instance-${String(n).padStart(10, '0')}` });
const postReview = (name: string, body: unknown, headers: Record<string, string>) =>
  post(`${store.api}/plugins/${name}/reviews`, body, headers);
const reviewsFile = () => path.join(store.storage, 'reviews.json');

beforeAll(async () => {
  store = await buildTestStore({ reviewLimits: { perName: PER_NAME, fileBytes: FILE_BYTES } });
  for (const name of ['spammed', 'roomy', 'big_one', 'big_two']) {
    expect((await uploadZip(store, pluginZip(name, '1.0.0'))).status).toBe(201);
  }
});
afterAll(async () => {
  await store?.close();
});

describe('bounds of reviews.json', () => {
  it('refuses a new reviewer past the per-name cap with 409 REVIEWS_FULL; replacing one’s own review and other names still work', async () => {
    for (let i = 0; i < PER_NAME; i++) expect((await postReview('spammed', { rating: 1 }, as(i))).status).toBe(201);
    const refused = await postReview('spammed', { rating: 1 }, as(PER_NAME));
    await expectErrorAnswer(refused, 409, 'REVIEWS_FULL');
    expect((await json(await request(`${store.api}/plugins/spammed/reviews`))).total).toBe(PER_NAME);
    expect((await postReview('spammed', { rating: 5 }, as(0))).status).toBe(200);
    expect((await postReview('roomy', { rating: 5 }, as(PER_NAME))).status).toBe(201);

    // The admin's delete makes room again.
    const list = await json(await request(`${store.api}/plugins/spammed/reviews`));
    expect((await request(`${store.api}/plugins/spammed/reviews/${list.reviews[0].id}`, { method: 'DELETE' })).status).toBe(200);
    expect((await postReview('spammed', { rating: 1 }, as(PER_NAME))).status).toBe(201);
  });

  it('refuses a change that would grow the file past its byte bound, keeping the file as it was', async () => {
    // Emoji: 4 bytes each in UTF-8, so each review is over 8 KB on disk.
    const body = '\u{1F600}'.repeat(REVIEW_BODY_MAX / 2);
    let created = 0;
    let refused: Response | null = null;
    for (let i = 100; i < 120 && refused === null; i++) {
      const res = await postReview(i % 2 ? 'big_one' : 'big_two', { rating: 2, body }, as(i));
      if (res.status === 201) created++;
      else refused = res;
    }
    expect(created).toBeGreaterThan(0);
    expect(refused).not.toBeNull();
    const message = await expectErrorAnswer(refused as Response, 409, 'REVIEWS_FULL');
    expect(message).toContain(`${FILE_BYTES} bytes`);
    const size = (await stat(reviewsFile())).size;
    expect(size).toBeLessThanOrEqual(FILE_BYTES);
    // A shorter replacement of one's own review always goes through.
    expect((await postReview('big_one', { rating: 4, body: 'shorter' }, as(101))).status).toBe(200);
    expect((await stat(reviewsFile())).size).toBeLessThan(size);
  });
});
