import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { eventually } from '../../../test-support/eventually.js';
import { ADMIN, type CatalogRecord } from '../src/services/catalog-record.js';
import { catalogRecord as record, openReplica, recordingLog, startPostgres, type PgReplica, type PostgresServer } from './pg-helpers.js';

/*
 * The catalog in PostgreSQL with two "replicas" (two pools, two LISTEN connections) on one
 * database: what only a shared database can get wrong. The contract both implementations share is
 * catalog-contract.test.ts.
 */

let server: PostgresServer;
const opened: { close(): Promise<void> }[] = [];

beforeAll(async () => {
  server = await startPostgres();
});
afterEach(async () => {
  vi.restoreAllMocks();
  for (const item of opened.splice(0).reverse()) await item.close();
});
afterAll(async () => {
  await server?.stop();
});

const alice = { id: 'a1', name: 'alice' };
const bob = { id: 'b2', name: 'bob' };

async function sql(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  opened.push({ close: () => client.end() });
  return client;
}

async function twoReplicas(logOfB = recordingLog().log): Promise<{ url: string; a: PgReplica; b: PgReplica }> {
  const url = await server.createDatabase('replicas');
  const a = await openReplica(url, recordingLog().log, 'replica_a');
  opened.push(a);
  const b = await openReplica(url, logOfB, 'replica_b');
  opened.push(b);
  return { url, a, b };
}

const ids = async (replica: PgReplica) => (await replica.catalog.list()).map((r) => r.id).sort();

describe('the catalog in PostgreSQL, shared by replicas', () => {
  it('lets exactly one of 50 concurrent publishes of one name and version through two replicas win; the others get 409', async () => {
    const { url, a, b } = await twoReplicas();
    await a.catalog.add(record(1000, 'contested', '0.9.0'), alice); // the name is alice's: every attempt passes the owner check
    const attempts = Array.from({ length: 50 }, (_, i) =>
      (i % 2 ? a : b).catalog.add(record(i + 1, 'contested', '1.0.0', {}, `build ${i}`), alice),
    );
    const results = await Promise.allSettled(attempts);
    const won = results.filter((r): r is PromiseFulfilledResult<CatalogRecord> => r.status === 'fulfilled');
    expect(won).toHaveLength(1);
    const winner = won[0]!.value;
    for (const result of results) {
      if (result.status === 'fulfilled') continue;
      expect(result.reason).toMatchObject({
        code: 'PLUGIN_ALREADY_EXISTS',
        details: { plugin_id: winner.id, name: 'contested', version: '1.0.0' },
      });
    }
    const rows = await (await sql(url)).query("SELECT id FROM catalog_records WHERE name = 'contested' AND version = '1.0.0'");
    expect(rows.rows).toEqual([{ id: winner.id }]);
    const expected = [record(1000, 'contested', '0.9.0').id, winner.id].sort();
    for (const replica of [a, b])
      await eventually(
        () => ids(replica),
        (found) => JSON.stringify(found) === JSON.stringify(expected),
      );
  });

  it('gives a new name to exactly one of two publishers racing for it on two replicas', async () => {
    const { url, a, b } = await twoReplicas();
    for (let round = 0; round < 10; round++) {
      const name = `raced_${round}`;
      const results = await Promise.allSettled([
        a.catalog.add(record(round * 2 + 1, name, '1.0.0'), alice),
        b.catalog.add(record(round * 2 + 2, name, '1.0.1'), bob),
      ]);
      expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
      const loser = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      expect(loser.reason).toMatchObject({ code: 'NOT_OWNER' });
      const winner = (results.find((r) => r.status === 'fulfilled') as PromiseFulfilledResult<CatalogRecord>).value;
      const owners = await (await sql(url)).query('SELECT owner_id FROM name_owners WHERE name = $1', [name]);
      expect(owners.rows).toEqual([{ owner_id: winner.owner!.id }]);
      for (const replica of [a, b])
        await eventually(
          () => replica.catalog.ownerOf(name),
          (owner) => owner?.id === winner.owner!.id,
        );
    }
  });

  it("shows a write through one replica in the other's list as a new array, and keeps the old array as it was", async () => {
    const { a, b } = await twoReplicas();
    const before = await b.catalog.list();
    const added = await a.catalog.add(record(1, 'visible', '1.0.0'), alice);
    expect(await a.catalog.get(added.id)).toEqual(added); // read-your-writes on the writer
    const after = await eventually(
      () => b.catalog.list(),
      (list) => list.some((r) => r.id === added.id),
    );
    expect(after).not.toBe(before);
    expect(before).toEqual([]);
    expect(await b.catalog.get(added.id)).toEqual(added);
    expect(await b.catalog.ownerOf('visible')).toEqual(alice);
    expect(await b.catalog.list()).toBe(after); // nothing changed since: the same array
    // The next reload fetches only the new row: a record already held is kept as it is (rows are never updated).
    const second = await a.catalog.add(record(2, 'visible', '1.1.0'), alice);
    const later = await eventually(
      () => b.catalog.list(),
      (list) => list.some((r) => r.id === second.id),
    );
    expect(later[0]).toBe(after[0]);

    await b.catalog.remove(added.id, alice);
    expect(await b.catalog.get(added.id)).toBeUndefined();
    await eventually(
      () => a.catalog.list(),
      (list) => list.length === 1 && list[0]!.id === second.id,
    );
  });

  it('catches up with another replica on refresh(), without hearing it (before refusing a write on its copy)', async () => {
    const { a, b } = await twoReplicas();
    await b.feed.close(); // b hears nothing from now on
    const added = await a.catalog.add(record(1, 'fresh', '1.0.0'), alice);
    await b.catalog.refresh!();
    expect(await b.catalog.get(added.id)).toEqual(added);
    const before = await b.catalog.list();
    await b.catalog.refresh!(); // nothing new: no reload, the same array
    expect(await b.catalog.list()).toBe(before);
    await a.catalog.remove(added.id, alice);
    await b.catalog.refresh!();
    expect(await b.catalog.list()).toEqual([]);
  });

  it('keeps a deleted name and version from coming back with other content (VERSION_DELETED), but lets the same package back', async () => {
    const { a, b } = await twoReplicas();
    const original = await a.catalog.add(record(1, 'tomb', '1.0.0', {}, 'original bytes'), alice);
    await a.catalog.remove(original.id, alice);
    const other = b.catalog.add(record(2, 'tomb', '1.0.0+rebuilt', {}, 'other bytes'), alice);
    await expect(other).rejects.toMatchObject({
      code: 'VERSION_DELETED',
      statusCode: 409,
      message: expect.stringContaining(`Plugin 'tomb' version 1.0.0 was deleted`),
      details: { name: 'tomb', version: '1.0.0', sha256: original.sha256 },
    });
    // Even the admin cannot: the tombstone is about content, not about who publishes.
    await expect(a.catalog.add(record(3, 'tomb', '1.0.0', {}, 'other bytes'), ADMIN)).rejects.toMatchObject({ code: 'VERSION_DELETED' });
    const back = await b.catalog.add(record(4, 'tomb', '1.0.0', {}, 'original bytes'), alice);
    expect(back.sha256).toBe(original.sha256);
    // Deleted again, the tombstone still holds that content.
    await b.catalog.remove(back.id, alice);
    await expect(a.catalog.add(record(5, 'tomb', '1.0.0', {}, 'third bytes'), alice)).rejects.toMatchObject({ code: 'VERSION_DELETED' });
    expect(await (await a.catalog.add(record(6, 'tomb', '1.0.1'), alice)).version).toBe('1.0.1');
  });

  it('skips and logs a bad row read back (a record that is not one, or that disagrees with its columns), and serves the rest', async () => {
    const recorded = recordingLog();
    const { url, a, b } = await twoReplicas(recorded.log);
    const good = await a.catalog.add(record(1, 'good', '1.0.0'), alice);
    const client = await sql(url);
    const insert = (id: string, name: string, value: unknown) =>
      client.query(
        `INSERT INTO catalog_records (id, name, version, version_key, sha256, size, created_at, record)
         VALUES ($1, $2, '1.0.0', '1.0.0', $3, 1, now(), $4)`,
        [id, name, 'b'.repeat(64), JSON.stringify(value)],
      );
    await insert('00000000bad1', 'broken', { id: '00000000bad1', name: 'broken', manifest: 'not an object' });
    const liar = { ...record(0xbad2, 'liar', '1.0.0'), name: 'someone_else' };
    await insert(liar.id, 'liar', liar);
    await client.query("SELECT pg_notify('oko_catalog', '')"); // a hand edit announced with no change id: reload
    const marker = await a.catalog.add(record(2, 'marker', '1.0.0'), alice); // b reloads past both bad rows
    await eventually(
      () => ids(b),
      (found) => found.includes(marker.id),
    );
    expect(await ids(b)).toEqual([good.id, marker.id].sort());
    // Once, though b read the row again on each reload since.
    expect(recorded.errors.filter((line) => line.startsWith('CATALOG RECORD SKIPPED: catalog_records row 00000000bad1'))).toHaveLength(1);
    expect(recorded.errors.some((line) => line.includes(`row ${liar.id}`) && line.includes("record's name"))).toBe(true);
    const fresh = await openReplica(url, recordingLog().log, 'replica_c');
    opened.push(fresh);
    expect((await fresh.catalog.list()).map((r) => r.name).sort()).toEqual(['good', 'marker']);
  });

  it('reloads after its LISTEN connection is cut, and finds a change whose notification it never heard', async () => {
    const { url, a, b } = await twoReplicas();
    const first = await a.catalog.add(record(1, 'first', '1.0.0'), alice);
    await eventually(
      () => ids(b),
      (found) => found.includes(first.id),
    );
    const client = await sql(url);
    // A write whose NOTIFY was lost (as when it happens while b's feed is down): made by hand, announced to nobody.
    const lost = record(2, 'unheard', '1.0.0');
    await client.query(
      `INSERT INTO catalog_records (id, name, version, version_key, sha256, size, created_at, record)
       VALUES ($1, $2, $3, $3, $4, $5, $6, $7)`,
      [lost.id, lost.name, lost.version, lost.sha256, lost.size, lost.created_at, JSON.stringify(lost)],
    );
    await client.query('INSERT INTO catalog_changes DEFAULT VALUES');
    const cut = await client.query(
      "SELECT pg_terminate_backend(pid) AS cut FROM pg_stat_activity WHERE application_name = 'replica_b' AND query LIKE 'LISTEN%'",
    );
    expect(cut.rows).toEqual([{ cut: true }]);
    await eventually(
      () => ids(b),
      (found) => found.includes(lost.id),
    );
    expect(await ids(a)).not.toContain(lost.id); // a's feed was not cut and nothing was announced
  });

  it('reloads a few times, not once per notification, for a burst of 200', async () => {
    const { url, a, b } = await twoReplicas();
    const reads = vi.spyOn(b.db, 'transaction');
    const client = await sql(url);
    const added = await a.catalog.add(record(1, 'burst', '1.0.0'), alice);
    await client.query("SELECT pg_notify('oko_catalog', g::text) FROM generate_series(1, 200) AS g");
    await eventually(
      () => ids(b),
      (found) => found.includes(added.id),
    );
    const marker = await a.catalog.add(record(2, 'burst', '1.0.1'), alice);
    await eventually(
      () => ids(b),
      (found) => found.includes(marker.id),
    );
    expect(reads.mock.calls.length).toBeGreaterThanOrEqual(2);
    expect(reads.mock.calls.length).toBeLessThanOrEqual(5);
  });
});

describe('the catalog when PostgreSQL is not there', () => {
  it('answers writes 503 DATABASE_UNAVAILABLE and keeps serving reads from its copy', async () => {
    const own = await startPostgres();
    opened.push({ close: () => own.stop() });
    const replica = await openReplica(await own.createDatabase('down'), recordingLog().log);
    opened.push(replica);
    const kept = await replica.catalog.add(record(1, 'kept', '1.0.0'), alice);
    await own.stop();
    await expect(replica.catalog.add(record(2, 'kept', '2.0.0'), alice)).rejects.toMatchObject({
      code: 'DATABASE_UNAVAILABLE',
      statusCode: 503,
    });
    await expect(replica.catalog.remove(kept.id, alice)).rejects.toMatchObject({ code: 'DATABASE_UNAVAILABLE' });
    expect(await replica.catalog.list()).toEqual([kept]);
    expect(await replica.catalog.ownerOf('kept')).toEqual(alice);
  });

  it('answers writes 503 DATABASE_UNAVAILABLE when the database refuses writes', async () => {
    const { url, a } = await twoReplicas();
    const client = await sql(url);
    const database = url.slice(url.lastIndexOf('/') + 1);
    await client.query(`ALTER DATABASE ${database} SET default_transaction_read_only = on`);
    // The pool's open sessions keep their setting: end them, so every new one starts read-only.
    await client.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'replica_a'");
    const refused = await eventually(
      () =>
        a.catalog.add(record(1, 'frozen', '1.0.0'), alice).then(
          () => null,
          (error: unknown) => error as { code: string; message: string },
        ),
      (error) => error !== null && error.message.includes('refuses writes'),
    );
    expect(refused).toMatchObject({ code: 'DATABASE_UNAVAILABLE', statusCode: 503 });
  });
});
