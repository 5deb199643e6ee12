import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { eventually } from '../../../../test-support/eventually.js';
import { recordingLog, usePostgres } from '../../test/pg-helpers.js';
import { runExclusive } from './advisory-lock.js';
import { Database } from './database.js';

const postgres = usePostgres();
const closing = postgres.cleanups;
const { log } = recordingLog();
const KEY = 0x6f6b6fee;

async function open(url: string, name: string): Promise<Database> {
  const db = await Database.open({ url: `${url}?application_name=${name}`, poolSize: 3 }, log);
  closing.push(() => db.close());
  return db;
}

describe('runExclusive', () => {
  it('runs the work on one of two replicas trying at once; the other skips it', async () => {
    const url = await postgres.server.createDatabase('locks');
    const [a, b] = [await open(url, 'lock_a'), await open(url, 'lock_b')];
    let running = 0;
    let ran = 0;
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const work = async () => {
      running++;
      ran++;
      expect(running).toBe(1);
      await held;
      running--;
    };
    const first = runExclusive(a, KEY, work);
    await eventually(
      () => ran,
      (n) => n === 1,
    );
    expect(await runExclusive(b, KEY, work)).toBe(false);
    release();
    expect(await first).toBe(true);
    // Released: the next round runs anywhere.
    expect(await runExclusive(b, KEY, async () => undefined)).toBe(true);
  });

  it('frees the lock when the session holding it is killed mid-work', async () => {
    const url = await postgres.server.createDatabase('locks');
    const [a, b] = [await open(url, 'lock_killed'), await open(url, 'lock_next')];
    let entered = false;
    let finish!: () => void;
    const stuck = runExclusive(a, KEY, async () => {
      entered = true;
      await new Promise<void>((resolve) => (finish = resolve)); // still working when its session dies
    });
    await eventually(() => entered, Boolean);
    expect(await runExclusive(b, KEY, async () => undefined)).toBe(false);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    closing.push(() => client.end());
    const killed = await client.query(
      "SELECT pg_terminate_backend(l.pid) AS killed FROM pg_locks l JOIN pg_stat_activity s ON s.pid = l.pid WHERE l.locktype = 'advisory' AND s.application_name = 'lock_killed'",
    );
    expect(killed.rows).toEqual([{ killed: true }]);
    expect(await eventually(() => runExclusive(b, KEY, async () => undefined), Boolean)).toBe(true);
    // The work that outlived its session ends without taking the process down, and its pool recovers.
    finish();
    expect(await stuck).toBe(true);
    expect((await a.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });
});
