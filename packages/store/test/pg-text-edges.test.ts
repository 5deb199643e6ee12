import { describe, expect, it } from 'vitest';
import { eventually } from '../../../test-support/eventually.js';
import { post, request } from '../../../test-support/http.js';
import { buildTestStore, json, pluginZip, uploadZip, type TestStore } from './helpers.js';
import { usePostgres } from './pg-helpers.js';

/*
 * Text a package may carry that JSON holds but PostgreSQL's jsonb refuses: U+0000 and a lone
 * UTF-16 surrogate (both valid JSON escapes). The embedded store publishes such a package; on
 * PostgreSQL the same upload must not turn into a 500, and must read back the same on every replica.
 * A review's text, in text columns, must come back as the embedded store gives it too.
 */

const KEY = 'admin-key-0123456789';
const ADMIN = { 'x-api-key': KEY };
const postgres = usePostgres();

const ODD = { description: 'nul \u0000 here, lone \ud800 surrogate', author: 'A\u0000uthor' };

async function publishOdd(store: TestStore): Promise<{ status: number; plugin?: Record<string, unknown> }> {
  const answer = await uploadZip(store, pluginZip('odd_text', '1.0.0', ODD), ADMIN);
  const body = await json(answer);
  return { status: answer.status, plugin: body.plugin };
}

describe('text jsonb refuses, in a published package', () => {
  it('publishes it on PostgreSQL as on the embedded store, and every replica reads it back unchanged', async () => {
    const stores: TestStore[] = [];
    try {
      const embedded = await buildTestStore({ env: { OKO_STORE_API_KEY: KEY } });
      stores.push(embedded);
      const expected = await publishOdd(embedded);
      expect(expected.status).toBe(201);
      expect(expected.plugin).toMatchObject(ODD);

      const env = { OKO_STORE_API_KEY: KEY, OKO_STORE_DATABASE_URL: await postgres.server.createDatabase('oddtext') };
      const first = await buildTestStore({ env });
      stores.push(first);
      const published = await publishOdd(first);
      expect(published.status).toBe(201);
      expect(published.plugin).toMatchObject(ODD);

      // Another replica reads the row from PostgreSQL, not from the first one's memory.
      const second = await buildTestStore({ env });
      stores.push(second);
      const read = await json(await request(`${second.api}/plugins/${published.plugin!.id as string}`));
      expect(read).toMatchObject(ODD);
      expect((await json(await request(`${second.api}/plugins?q=lone`))).total).toBe(1);
    } finally {
      for (const store of stores) await store.close();
    }
  }, 60_000);
});

describe('a lone surrogate in a review', () => {
  // Reviews are plain text as typed: a half of a surrogate pair is no character, so both stores keep
  // U+FFFD in its place (as a browser sending the text as UTF-8 would), and PostgreSQL's text columns
  // could hold nothing else.
  it('is stored as U+FFFD by the embedded store and on PostgreSQL alike, and another replica reads the same', async () => {
    const stores: TestStore[] = [];
    const review = { rating: 4, title: 'a\uD800b', body: 'x\uDC00\ny' };
    const dashboard = { 'x-oko-instance': 'surrogate-instance-0000000' };
    const posted = async (store: TestStore) => {
      expect((await uploadZip(store, pluginZip('odd_review', '1.0.0'))).status).toBe(201);
      const answer = await post(`${store.api}/plugins/odd_review/reviews`, review, dashboard);
      expect(answer.status).toBe(201);
      return json(answer);
    };
    try {
      const embedded = await buildTestStore({});
      stores.push(embedded);
      const env = { OKO_STORE_DATABASE_URL: await postgres.server.createDatabase('oddreview') };
      const first = await buildTestStore({ env });
      stores.push(first);
      const second = await buildTestStore({ env });
      stores.push(second);

      const expected = { title: 'a\uFFFDb', body: 'x\uFFFD\ny' };
      expect(await posted(embedded)).toMatchObject(expected);
      expect(await posted(first)).toMatchObject(expected);
      // The other replica's mirror reloads the name on the change notification.
      const read = await eventually(
        async () => json(await request(`${second.api}/plugins/odd_review/reviews`, { headers: dashboard })),
        (list) => list.mine != null,
      );
      expect(read.mine).toMatchObject(expected);
    } finally {
      for (const store of stores) await store.close();
    }
  }, 60_000);
});
