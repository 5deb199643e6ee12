import type { FastifyBaseLogger } from 'fastify';
import pg from 'pg';
import type { DatabaseConfig } from '../config.js';
import { runMigrations } from './migrations.js';

/** What a query or a transaction step gets: the pool itself, or the one client of a transaction. */
export interface Queryable {
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
}

/** PostgreSQL error codes the store acts on (https://www.postgresql.org/docs/current/errcodes-appendix.html). */
export const PG_UNIQUE_VIOLATION = '23505';
export const PG_SERIALIZATION_FAILURE = '40001';
export const PG_DEADLOCK = '40P01';

const DEFAULT_QUERY_TIMEOUT_MS = 30_000;

/** node-pg's error for a query that went unanswered for query_timeout: its connection is in an unknown state. */
export function isQueryTimeout(error: unknown): boolean {
  return (error as Error | null)?.message === 'Query read timeout';
}

export function pgErrorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * The store's PostgreSQL connection pool (docs/architecture.md, Growing past one machine). Every
 * replica opens one; migrations have run once open() returns. Replicas keep no state another needs:
 * what they cache they reload on a ChangeFeed notification.
 */
export class Database implements Queryable {
  private constructor(
    readonly pool: pg.Pool,
    readonly url: string,
    private readonly log: FastifyBaseLogger,
  ) {}

  static async open(config: DatabaseConfig, log: FastifyBaseLogger): Promise<Database> {
    // Without a query timeout a database that stops answering without closing anything (a partition
    // that drops packets, a frozen host) holds each query in flight until TCP gives up, about 15
    // minutes on Linux; with it the request answers 503 and the connection is thrown away.
    const pool = new pg.Pool({
      connectionString: config.url,
      max: config.poolSize,
      connectionTimeoutMillis: 10_000,
      query_timeout: config.timeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS,
      keepAlive: true,
    });
    // An idle client whose server went away emits 'error' on the pool; unhandled, it would end the process.
    pool.on('error', (error) => log.warn({ err: error }, 'PostgreSQL: an idle connection failed; the pool replaces it'));
    const db = new Database(pool, config.url, log);
    try {
      await runMigrations(db, log);
    } catch (error) {
      await pool.end().catch(() => undefined);
      throw error;
    }
    return db;
  }

  query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>> {
    return this.pool.query<R>(text, values);
  }

  /**
   * Runs `work` in one transaction on one client: committed when it returns, rolled back when it
   * throws (the error is rethrown as it was).
   */
  async transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    // A session cut between two statements (a server restart, pg_terminate_backend) reports on the
    // client, not on a query: unheard, that 'error' would end the process. The next statement fails
    // instead, and the client is thrown away rather than returned to the pool.
    let lost: Error | undefined;
    const onLost = (error: Error) => {
      lost = error;
    };
    client.on('error', onLost);
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      // A query that timed out may still be running on the server, or its answer may arrive later:
      // that connection is not used again (no ROLLBACK on it; the server rolls back when it goes).
      if (!lost && isQueryTimeout(error)) lost = error as Error;
      if (!lost) {
        await client.query('ROLLBACK').catch((rollback: unknown) => this.log.warn({ err: rollback }, 'PostgreSQL: rollback failed'));
      }
      throw error;
    } finally {
      client.off('error', onLost);
      client.release(lost);
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
