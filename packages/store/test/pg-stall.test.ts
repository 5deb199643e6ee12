import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { eventually } from '../../../test-support/eventually.js';
import { expectErrorAnswer } from '../../../test-support/errors.js';
import { request } from '../../../test-support/http.js';
import { Database } from '../src/postgres/database.js';
import { runMigrations } from '../src/postgres/migrations.js';
import { MIGRATIONS } from '../src/postgres/migrations/index.js';
import { buildTestStore, json, pluginZip, uploadZip, type TestStore } from './helpers.js';
import { recordingLog, usePostgres } from './pg-helpers.js';

/*
 * A database that stops answering without closing anything (a network partition that drops
 * packets, a frozen host): a query in flight would wait for TCP to give up, about 15 minutes on
 * Linux, and hold its pooled connection all that time. Writes must answer 503 DATABASE_UNAVAILABLE
 * after OKO_STORE_DATABASE_TIMEOUT_S instead, reads go on, and the store writes again once the
 * database answers, on fresh connections (a timed-out one is never handed out again).
 */

const KEY = 'admin-key-0123456789';
const ADMIN = { 'x-api-key': KEY };
const postgres = usePostgres();

/**
 * A TCP relay whose stall is a path that went dead: every connection open then, or opened while
 * stalled, swallows every byte both ways for good (as a dropped NAT or conntrack entry leaves it);
 * after resume() only new connections get through.
 */
async function stallableRelay(port: number): Promise<{ port: number; stall(): void; resume(): void; close(): Promise<void> }> {
  let stalled = false;
  const sockets = new Set<net.Socket>();
  const dead = new Set<net.Socket>();
  const relay = net.createServer((client) => {
    const upstream = net.connect(port, '127.0.0.1');
    if (stalled) dead.add(client);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        sockets.delete(socket);
        dead.delete(client);
        client.destroy();
        upstream.destroy();
      });
    }
    client.on('data', (chunk) => dead.has(client) || upstream.write(chunk));
    upstream.on('data', (chunk) => dead.has(client) || client.write(chunk));
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  return {
    port: (relay.address() as net.AddressInfo).port,
    stall: () => {
      stalled = true;
      for (const socket of sockets) dead.add(socket);
    },
    resume: () => {
      stalled = false;
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => relay.close(resolve));
    },
  };
}

describe('a database that stops answering', () => {
  it('answers writes 503 after the database timeout, keeps serving reads, and writes again once it answers', async () => {
    const direct = new URL(await postgres.server.createDatabase('stall'));
    const relay = await stallableRelay(Number(direct.port));
    const through = new URL(direct.href);
    through.port = String(relay.port);
    let store: TestStore | undefined;
    try {
      store = await buildTestStore({
        env: { OKO_STORE_DATABASE_URL: through.href, OKO_STORE_DATABASE_TIMEOUT_S: '1', OKO_STORE_API_KEY: KEY },
      });
      expect((await uploadZip(store, pluginZip('stall_before', '1.0.0'), ADMIN)).status).toBe(201);

      relay.stall();
      await expectErrorAnswer(await uploadZip(store, pluginZip('stall_during', '1.0.0'), ADMIN), 503, 'DATABASE_UNAVAILABLE');
      const listed = await json(await request(`${store.api}/plugins`));
      expect(listed.plugins.map((p: { name: string }) => p.name)).toEqual(['stall_before']);

      relay.resume();
      const back = await eventually(
        () => uploadZip(store!, pluginZip('stall_after', '1.0.0'), ADMIN),
        (answer) => answer.status !== 503,
      );
      expect(back.status).toBe(201);
      expect((await json(await request(`${store.api}/plugins`))).total).toBe(2);
    } finally {
      await store?.close();
      await relay.close();
    }
  }, 60_000);

  it('does not bound a migration by the query timeout: a slow one still runs to its end', async () => {
    const { log } = recordingLog();
    const url = await postgres.server.createDatabase('slowmigration');
    const db = await Database.open({ url, poolSize: 2, timeoutMs: 200 }, log);
    try {
      const slow = { version: 99, name: 'slow', sql: 'SELECT pg_sleep(0.6); CREATE TABLE slow_done (id int)' };
      expect(await runMigrations(db, log, [...MIGRATIONS, slow])).toEqual([99]);
      await expect(db.query('SELECT pg_sleep(0.6)')).rejects.toThrow(/timeout/);
    } finally {
      await db.close();
    }
  });

  it('notices a LISTEN connection that went silent, and lists what another replica published meanwhile', async () => {
    // A NAT, load balancer or conntrack entry dropped while idle, or a server restarted behind a
    // partition: the notifications are lost and nothing on the idle connection says so.
    const direct = new URL(await postgres.server.createDatabase('deaf'));
    const relay = await stallableRelay(Number(direct.port));
    const through = new URL(direct.href);
    through.port = String(relay.port);
    const storage = await mkdtemp(path.join(tmpdir(), 'oko-pg-deaf-'));
    const stores: TestStore[] = [];
    try {
      const deaf = await buildTestStore({
        env: { OKO_STORE_DATABASE_URL: through.href, OKO_STORE_DATABASE_TIMEOUT_S: '1', OKO_STORE_API_KEY: KEY },
        storageDir: storage,
      });
      stores.push(deaf);
      const other = await buildTestStore({ env: { OKO_STORE_DATABASE_URL: direct.href, OKO_STORE_API_KEY: KEY }, storageDir: storage });
      stores.push(other);

      relay.stall();
      expect((await uploadZip(other, pluginZip('unheard', '1.0.0'), ADMIN)).status).toBe(201);
      relay.resume();
      await eventually(
        async () => json(await request(`${deaf.api}/plugins`)),
        (list) => list.total === 1,
        30_000,
      );
    } finally {
      for (const store of stores) await store.close();
      await relay.close();
      await rm(storage, { recursive: true, force: true });
    }
  }, 60_000);
});
