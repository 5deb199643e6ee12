import type { FastifyBaseLogger } from 'fastify';
import pg from 'pg';
import { vi } from 'vitest';
import type { PostgresServer } from '../../../test-support/postgres.js';
import { ChangeFeed } from '../src/postgres/change-feed.js';
import { Database } from '../src/postgres/database.js';

/** A logger that keeps quiet and lets a test look at what was said. */
export function quietLog(): FastifyBaseLogger {
  const log = { error: vi.fn(), warn: vi.fn(), info: vi.fn(), debug: vi.fn(), trace: vi.fn(), fatal: vi.fn() };
  return { ...log, child: () => log, level: 'silent' } as unknown as FastifyBaseLogger;
}

/** One replica's connections to a database: its pool (migrated) and its LISTEN connection. */
export interface Replica {
  db: Database;
  feed: ChangeFeed;
  close(): Promise<void>;
}

export async function openReplica(url: string, log: FastifyBaseLogger = quietLog()): Promise<Replica> {
  const db = await Database.open({ url, poolSize: 5 }, log);
  const feed = await ChangeFeed.start(url, log);
  return {
    db,
    feed,
    async close() {
      await feed.close();
      await db.close();
    },
  };
}

/** Ends the backends of every session LISTENing on `url`'s database, as a network cut or a restarted proxy would. */
export async function killListeners(server: PostgresServer, url: string): Promise<number> {
  const database = new URL(url).pathname.slice(1);
  const admin = new pg.Client({ connectionString: server.url });
  await admin.connect();
  try {
    const { rows } = await admin.query<{ killed: boolean }>(
      `SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity
       WHERE datname = $1 AND pid <> pg_backend_pid() AND query LIKE 'LISTEN%'`,
      [database],
    );
    return rows.filter((r) => r.killed).length;
  } finally {
    await admin.end();
  }
}
