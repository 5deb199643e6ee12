import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../../test-support/eventually.js';
import { post, request } from '../../../test-support/http.js';
import { startPostgres, type PostgresServer } from '../../../test-support/postgres.js';
import { buildTestStore, json, pluginZip, uploadZip, type TestStore } from './helpers.js';

// Reviews and downloads through the API of two in-process stores on one PostgreSQL database
// (packages in one shared folder): what one replica takes in, the other answers with.
let server: PostgresServer;
let folder: string;
let a: TestStore;
let b: TestStore;
const ALICE = 'alice-instance-0123456789';
const as = (instance: string) => ({ 'x-oko-instance': instance });

beforeAll(async () => {
  server = await startPostgres();
  folder = await mkdtemp(path.join(tmpdir(), 'oko-pg-reviews-'));
  const env = { OKO_STORE_DATABASE_URL: await server.createDatabase('api'), OKO_STORE_STATS_FOLD_S: '0' };
  a = await buildTestStore({ env, storageDir: folder });
  b = await buildTestStore({ env, storageDir: folder });
});
afterAll(async () => {
  await a?.close();
  await b?.close();
  await server?.stop();
  await rm(folder, { recursive: true, force: true });
});

describe('reviews and install counts through the API on PostgreSQL', () => {
  it('counts a download and takes a verified review on one replica; the other lists them and folds them into its catalog', async () => {
    expect((await uploadZip(a, pluginZip('social_demo', '1.0.0'))).status).toBe(201);
    // The publish reaches the other replica's catalog through its own notification.
    const download = await eventually(
      () => request(`${b.api}/plugins/social_demo/download`, { headers: as(ALICE) }),
      (res) => res.status === 200,
    );
    await download.arrayBuffer();

    const posted = await post(`${b.api}/plugins/social_demo/reviews`, { rating: 5, title: 'Solid' }, as(ALICE));
    expect(posted.status).toBe(201);
    const review = await json(posted);
    expect(review).toMatchObject({ rating: 5, title: 'Solid', verified_install: true, version: '1.0.0' });

    const listed = await eventually(
      async () => json(await request(`${a.api}/plugins/social_demo/reviews`, { headers: as(ALICE) })),
      (list) => list.total === 1,
    );
    expect(listed).toMatchObject({ rating: { average: 5, count: 1 }, mine: { id: review.id } });
    await eventually(
      async () => json(await request(`${a.api}/plugins/social_demo`)),
      (entry) => entry.rating.count === 1 && entry.installs.downloads === 1 && entry.installs.instances === 1,
    );

    // Replaced through the other replica: one review, its id and created_at kept.
    const replaced = await post(`${a.api}/plugins/social_demo/reviews`, { rating: 3 }, as(ALICE));
    expect(replaced.status).toBe(200);
    expect(await json(replaced)).toMatchObject({ id: review.id, created_at: review.created_at, rating: 3, verified_install: true });
    await eventually(
      async () => json(await request(`${b.api}/plugins/social_demo`)),
      (entry) => entry.rating.average === 3 && entry.rating.count === 1,
    );

    // Deleted through one, gone from the other.
    expect((await request(`${b.api}/plugins/social_demo/reviews/${review.id}`, { method: 'DELETE' })).status).toBe(200);
    await eventually(
      async () => json(await request(`${a.api}/plugins/social_demo/reviews`)),
      (list) => list.total === 0 && list.rating.count === 0,
    );
    // Nothing of it went to the JSON files.
    expect((await readdir(folder)).filter((file) => file.endsWith('.json'))).toEqual([]);
  });
});
