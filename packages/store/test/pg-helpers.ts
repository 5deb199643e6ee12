import type { FastifyBaseLogger } from 'fastify';
import { ChangeFeed } from '../src/postgres/change-feed.js';
import { Database } from '../src/postgres/database.js';
import { openPgCatalog } from '../src/postgres/pg-catalog-repository.js';
import type { CatalogRepository } from '../src/services/catalog-repository.js';

import { afterAll, afterEach, beforeAll } from 'vitest';
import { startPostgres, type PostgresServer } from '../../../test-support/postgres.js';

export { catalogRecord } from './catalog-records.js';

export { startPostgres, type PostgresServer };

/**
 * One PostgreSQL server for the calling test file, started before its tests and stopped after
 * them; `cleanups` (what a test opened: pools, replicas, folders) run after each test, newest first.
 */
export function usePostgres(options: { ignoreCleanupErrors?: boolean } = {}): {
  readonly server: PostgresServer;
  cleanups: (() => Promise<void>)[];
} {
  let server: PostgresServer | undefined;
  const cleanups: (() => Promise<void>)[] = [];
  beforeAll(async () => {
    server = await startPostgres();
  });
  afterEach(async () => {
    // Tests that stop the server leave pools whose close fails; what they test is already checked.
    for (const cleanup of cleanups.splice(0).reverse()) await (options.ignoreCleanupErrors ? cleanup().catch(() => undefined) : cleanup());
  });
  afterAll(async () => {
    await server?.stop();
  });
  return {
    get server() {
      if (!server) throw new Error('PostgreSQL is started in beforeAll: use it inside a test or hook');
      return server;
    },
    cleanups,
  };
}

/** A logger that keeps what was logged at error and warn, so a test can assert a line was written. */
export function recordingLog(): { log: FastifyBaseLogger; errors: string[]; warnings: string[] } {
  const errors: string[] = [];
  const warnings: string[] = [];
  const line = (into: string[]) => (first: unknown, message?: string) => {
    into.push(typeof first === 'string' ? first : (message ?? ''));
  };
  const log = {
    level: 'error',
    error: line(errors),
    warn: line(warnings),
    info: () => undefined,
    debug: () => undefined,
    trace: () => undefined,
    fatal: line(errors),
    child: () => log,
  } as unknown as FastifyBaseLogger;
  return { log, errors, warnings };
}

/** One store replica's catalog on `url`: its own pool, its own LISTEN connection, named for pg_stat_activity. */
export interface PgReplica {
  db: Database;
  feed: ChangeFeed;
  catalog: CatalogRepository;
  close(): Promise<void>;
}

export async function openReplica(url: string, log: FastifyBaseLogger, name = 'oko_replica'): Promise<PgReplica> {
  const named = `${url}?application_name=${name}`;
  const db = await Database.open({ url: named, poolSize: 10 }, log);
  const feed = await ChangeFeed.start(named, log);
  try {
    const catalog = await openPgCatalog(db, feed, log);
    return {
      db,
      feed,
      catalog,
      async close() {
        await feed.close();
        await db.close();
      },
    };
  } catch (error) {
    await feed.close();
    await db.close();
    throw error;
  }
}

/** The settings of a replica on PostgreSQL with packages in `storage`, importing from a fake GitHub on loopback. */
export function replicaEnv(storage: string, databaseUrl: string, githubApiUrl: string): Record<string, string> {
  return {
    OKO_STORE_STORAGE_PATH: storage,
    OKO_STORE_SEED: 'false',
    OKO_STORE_DATABASE_URL: databaseUrl,
    OKO_STORE_GITHUB_API_URL: githubApiUrl,
    OKO_STORE_GITHUB_ALLOW_PRIVATE: 'true',
  };
}
