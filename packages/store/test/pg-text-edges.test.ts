import { describe, expect, it } from 'vitest';
import { request } from '../../../test-support/http.js';
import { buildTestStore, json, pluginZip, uploadZip, type TestStore } from './helpers.js';
import { usePostgres } from './pg-helpers.js';

/*
 * Text a package may carry that JSON holds but PostgreSQL's jsonb refuses: U+0000 and a lone
 * UTF-16 surrogate (both valid JSON escapes). The embedded store publishes such a package; on
 * PostgreSQL the same upload must not turn into a 500, and must read back the same on every replica.
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
