import type pg from 'pg';
import type { FastifyBaseLogger } from 'fastify';
import type { Database } from './database.js';
import { MIGRATIONS } from './migrations/index.js';

/** One schema change: applied once, in version order, each in its own transaction. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** Held while migrating, so replicas starting together apply each migration once (the others wait, then find it done). */
const MIGRATION_LOCK = 0x6f6b6f01;
/**
 * The pool's query timeout (OKO_STORE_DATABASE_TIMEOUT_S) is for requests; a migration may rebuild
 * a big table, and a replica starting beside one waits on the lock for as long: a day, not seconds.
 */
const MIGRATION_QUERY_TIMEOUT_MS = 24 * 3600 * 1000;
/** node-pg reads query_timeout per query too; its types do not declare it. */
const unbounded = (text: string, values?: unknown[]) => ({ text, values, query_timeout: MIGRATION_QUERY_TIMEOUT_MS }) as pg.QueryConfig;

/**
 * Brings the schema up to MIGRATIONS at start: versioned (oko_migrations lists what ran),
 * idempotent (a second start applies nothing), and safe with several replicas starting at once. A
 * database newer than this code (a version it does not know) stops the start rather than guess.
 */
export async function runMigrations(
  db: Database,
  log: FastifyBaseLogger,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<number[]> {
  const client = await db.pool.connect();
  // As in Database.transaction: a session cut between statements must fail the start, not end the process.
  let lost: Error | undefined;
  const onLost = (error: Error) => {
    lost = error;
  };
  client.on('error', onLost);
  try {
    await client.query(unbounded('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]));
    try {
      await client.query(
        'CREATE TABLE IF NOT EXISTS oko_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())',
      );
      const done = new Set((await client.query<{ version: number }>('SELECT version FROM oko_migrations')).rows.map((r) => r.version));
      const known = new Set(migrations.map((m) => m.version));
      const unknown = [...done].filter((v) => !known.has(v));
      if (unknown.length > 0) {
        throw new Error(
          `The database has schema version(s) ${unknown.join(', ')} that this store does not know: it was migrated by a newer store. Run that version`,
        );
      }
      const applied: number[] = [];
      for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
        if (done.has(migration.version)) continue;
        await client.query('BEGIN');
        try {
          await client.query(unbounded(migration.sql));
          await client.query('INSERT INTO oko_migrations (version, name) VALUES ($1, $2)', [migration.version, migration.name]);
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw new Error(`Migration ${migration.version} (${migration.name}) failed: ${(error as Error).message}`, { cause: error });
        }
        log.info({ version: migration.version, name: migration.name }, 'PostgreSQL: migration applied');
        applied.push(migration.version);
      }
      return applied;
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    }
  } finally {
    client.off('error', onLost);
    client.release(lost);
  }
}
