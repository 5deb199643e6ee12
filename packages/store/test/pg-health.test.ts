import { describe, expect, it } from 'vitest';
import { eventually } from '../../../test-support/eventually.js';
import { expectErrorAnswer } from '../../../test-support/errors.js';
import { request } from '../../../test-support/http.js';
import { startTcpLink } from '../../../test-support/tcp-link.js';
import { buildTestStore, json, pluginZip, uploadZip, type TestStore } from './helpers.js';
import { usePostgres } from './pg-helpers.js';

/*
 * /health of a store on PostgreSQL while its database is gone: reads go on from the replica's copy
 * but every write answers 503, so /health must say so (degraded, with the reason), and say healthy
 * again once the database is back, without a restart.
 */

const KEY = 'admin-key-0123456789';
const ADMIN = { 'x-api-key': KEY };
const postgres = usePostgres();

describe('/health on PostgreSQL', () => {
  it('says degraded, with the reason, while the database is down, and healthy again once it is back', async () => {
    const direct = new URL(await postgres.server.createDatabase('health'));
    const relay = await startTcpLink(Number(direct.port));
    const through = new URL(direct.href);
    through.port = String(relay.port);
    let store: TestStore | undefined;
    try {
      store = await buildTestStore({ env: { OKO_STORE_DATABASE_URL: through.href, OKO_STORE_API_KEY: KEY } });
      expect((await uploadZip(store, pluginZip('health_probe', '1.0.0'), ADMIN)).status).toBe(201);
      expect(await json(await request(`${store.api}/health`))).toMatchObject({ status: 'healthy', read_only: false, plugins_count: 1 });

      relay.cut();
      // A probe's outcome is reused for a second (a flood of /health costs one query a second).
      const health = await eventually(
        async () => {
          const down = await request(`${store!.api}/health`);
          expect(down.status).toBe(200);
          return json(down);
        },
        (answer) => answer.database?.reachable === false,
      );
      expect(health).toMatchObject({ status: 'degraded', read_only: true, plugins_count: 1 });
      expect(health.reason).toMatch(/database/i);
      expect(JSON.stringify(health)).not.toContain(direct.password);
      await expectErrorAnswer(await uploadZip(store, pluginZip('health_down', '1.0.0'), ADMIN), 503, 'DATABASE_UNAVAILABLE');
      expect((await json(await request(`${store.api}/plugins`))).total).toBe(1);

      relay.mend();
      await eventually(
        async () => json(await request(`${store!.api}/health`)),
        (answer) => answer.status === 'healthy',
      );
      expect((await uploadZip(store, pluginZip('health_back', '1.0.0'), ADMIN)).status).toBe(201);
    } finally {
      await store?.close();
      await relay.close();
    }
  }, 60_000);
});
