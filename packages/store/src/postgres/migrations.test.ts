import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { eventually } from '../../../../test-support/eventually.js';
import { recordingLog, usePostgres } from '../../test/pg-helpers.js';
import { Database } from './database.js';
import { runMigrations, type Migration } from './migrations.js';
import { MIGRATIONS } from './migrations/index.js';

const postgres = usePostgres();
const closing = postgres.cleanups;
const { log } = recordingLog();

async function open(url: string): Promise<Database> {
  const db = await Database.open({ url, poolSize: 4 }, log);
  closing.push(() => db.close());
  return db;
}

async function applied(url: string): Promise<{ version: number; name: string }[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query('SELECT version, name FROM oko_migrations ORDER BY version')).rows;
  } finally {
    await client.end();
  }
}

describe('schema migrations', () => {
  it('applies every migration once at the first start and nothing at the next', async () => {
    const url = await postgres.server.createDatabase('migrate');
    const db = await open(url);
    expect(await applied(url)).toEqual(MIGRATIONS.map(({ version, name }) => ({ version, name })));
    expect(await runMigrations(db, log)).toEqual([]);
    await open(url); // a restart
    expect(await applied(url)).toHaveLength(MIGRATIONS.length);
  });

  it('applies each migration once when three replicas start together on one empty database', async () => {
    const url = await postgres.server.createDatabase('migrate');
    // A slow migration widens the window in which the three would overlap without the lock.
    const slow: Migration = { version: 99, name: 'slow', sql: 'SELECT pg_sleep(0.3); CREATE TABLE slow_once (id int)' };
    const pools = await Promise.all([0, 1, 2].map(() => open(url)));
    const runs = await Promise.all(pools.map((db) => runMigrations(db, log, [...MIGRATIONS, slow])));
    expect(runs.flat()).toEqual([99]);
    expect((await applied(url)).map((m) => m.version)).toEqual([...MIGRATIONS.map((m) => m.version), 99]);
  });

  it('stops the start, naming the version, when the database was migrated by a newer store', async () => {
    const url = await postgres.server.createDatabase('migrate');
    const db = await open(url);
    await db.query("INSERT INTO oko_migrations (version, name) VALUES (4242, 'from-the-future')");
    await expect(Database.open({ url, poolSize: 2 }, log)).rejects.toThrow(
      /schema version\(s\) 4242 that this store does not know: it was migrated by a newer store/,
    );
    await expect(runMigrations(db, log)).rejects.toThrow(/4242/);
  });

  it('rolls a failed migration back whole and names it', async () => {
    const url = await postgres.server.createDatabase('migrate');
    const db = await open(url);
    const broken: Migration = { version: 98, name: 'half-done', sql: 'CREATE TABLE half (id int); SELECT no_such_function()' };
    await expect(runMigrations(db, log, [...MIGRATIONS, broken])).rejects.toThrow(/Migration 98 \(half-done\) failed/);
    expect((await db.query("SELECT to_regclass('half') AS t")).rows).toEqual([{ t: null }]);
    expect((await applied(url)).map((m) => m.version)).not.toContain(98);
  });

  it('fails the start when its session is cut mid-migration, and the next start applies that migration', async () => {
    const url = await postgres.server.createDatabase('migrate');
    const db = await open(url);
    const slow: Migration = { version: 97, name: 'cut-short', sql: 'CREATE TABLE cut_once (id int); SELECT pg_sleep(30)' };
    // Its failure is read at the end; caught from the start, so it is never an unhandled rejection meanwhile.
    const outcome = runMigrations(db, log, [...MIGRATIONS, slow]).then(
      () => null,
      (error: Error) => error,
    );
    const killer = new pg.Client({ connectionString: url });
    await killer.connect();
    closing.push(() => killer.end());
    const cut = await eventually(
      async () =>
        (
          await killer.query(
            "SELECT pg_terminate_backend(pid) AS cut FROM pg_stat_activity WHERE query LIKE '%pg_sleep(30)%' AND pid <> pg_backend_pid()",
          )
        ).rows,
      (rows) => rows.length === 1,
    );
    expect(cut).toEqual([{ cut: true }]);
    expect((await outcome)?.message).toMatch(/Migration 97 \(cut-short\) failed/);
    const fast: Migration = { ...slow, sql: 'CREATE TABLE cut_once (id int)' };
    expect(await runMigrations(db, log, [...MIGRATIONS, fast])).toEqual([97]);
  });
});
