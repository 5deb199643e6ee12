import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordingLog, startPostgres, type PostgresServer } from '../../test/pg-helpers.js';
import { Database } from './database.js';

let server: PostgresServer;
const { log } = recordingLog();

beforeAll(async () => {
  server = await startPostgres();
});
afterAll(async () => {
  await server?.stop();
});

describe('Database.transaction', () => {
  it('fails the transaction, and keeps the process and the pool, when its session is cut between two statements', async () => {
    const url = await server.createDatabase('tx');
    const db = await Database.open({ url, poolSize: 2 }, log);
    const killer = new pg.Client({ connectionString: url });
    await killer.connect();
    try {
      const cut = db.transaction(async (tx) => {
        const { rows } = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
        const ended = new Promise((resolve) => (tx as unknown as pg.PoolClient).once('end', resolve));
        await killer.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
        await ended; // no statement in flight when the cut arrives: the client itself hears it
        await tx.query('SELECT 1');
      });
      await expect(cut).rejects.toThrow();
      expect((await db.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
      expect(await db.transaction(async (tx) => (await tx.query('SELECT 2 AS two')).rows)).toEqual([{ two: 2 }]);
    } finally {
      await killer.end();
      await db.close();
    }
  });
});
