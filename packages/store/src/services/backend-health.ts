import type { StoreHealth } from '@oko/shared';
import type { FastifyBaseLogger } from 'fastify';
import type pg from 'pg';
import type { StoreBackends } from './backends.js';

/** How long GET /health waits for PostgreSQL or the bucket before it calls them unreachable. */
export const PROBE_TIMEOUT_MS = 1000;
/** A check this recent is answered again rather than made again: a flood of /health costs the database one query a second. */
const PROBE_REUSE_MS = 1000;

type Outcome = { ok: true } | { ok: false; why: string };

/**
 * One kind of check, made by at most one request at a time: a caller that comes while a check is
 * running waits for that one (bounded by PROBE_TIMEOUT_MS) instead of starting its own, so a
 * database that hangs holds one pool connection for /health, never one per request.
 */
class BoundedProbe {
  private running: Promise<Outcome> | null = null;
  private last: { at: number; outcome: Outcome } | null = null;

  constructor(
    private readonly what: string,
    private readonly check: (signal: AbortSignal) => Promise<unknown>,
    private readonly log: FastifyBaseLogger,
  ) {}

  async outcome(): Promise<Outcome> {
    if (this.last && Date.now() - this.last.at < PROBE_REUSE_MS) return this.last.outcome;
    this.running ??= this.run().finally(() => (this.running = null));
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<Outcome>((resolve) => {
      timer = setTimeout(() => resolve({ ok: false, why: `no answer within ${PROBE_TIMEOUT_MS} ms` }), PROBE_TIMEOUT_MS);
    });
    try {
      return await Promise.race([this.running, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async run(): Promise<Outcome> {
    let outcome: Outcome;
    try {
      await this.check(AbortSignal.timeout(PROBE_TIMEOUT_MS));
      outcome = { ok: true };
    } catch (error) {
      // The whole error goes to the log only; the answer names its code, never a URL, host or key.
      this.log.warn({ err: error }, `health: ${this.what} check failed`);
      outcome = { ok: false, why: errorCode(error) };
    }
    this.last = { at: Date.now(), outcome };
    return outcome;
  }
}

/** A driver's or SDK's error code (ECONNREFUSED, 57P01, NoSuchBucket, TimeoutError, HTTP 403), or a word without details. */
function errorCode(error: unknown): string {
  const e = error as { code?: unknown; name?: unknown; $metadata?: { httpStatusCode?: unknown } } | null;
  const safe = (value: unknown) => (typeof value === 'string' && /^[A-Za-z0-9_.-]{1,40}$/.test(value) ? value : undefined);
  const status = e?.$metadata?.httpStatusCode;
  const code = safe(e?.code) ?? (safe(e?.name) !== 'Error' ? safe(e?.name) : undefined);
  if (code) return code;
  if (typeof status === 'number') return `HTTP ${status}`;
  // pg's own errors carry no code; these phrases of its hold no address or name.
  const message = (error as Error | null)?.message ?? '';
  const known = KNOWN_PHRASES.find(([pattern]) => pattern.test(message));
  return known ? known[1] : 'error';
}

const KNOWN_PHRASES: [RegExp, string][] = [
  [/Query read timeout/, `no answer within ${PROBE_TIMEOUT_MS} ms`],
  [/timeout exceeded when trying to connect/, 'connection timed out'],
  [/Connection terminated/, 'connection ended'],
];

type BackendFields = Pick<StoreHealth, 'database' | 'blob_store'>;

/**
 * What GET /health says about PostgreSQL and the package bucket (README, Running the store on
 * PostgreSQL and S3): reachable now, within PROBE_TIMEOUT_MS, and whether this replica's LISTEN
 * feed is up, with the reasons a degraded answer gives. Nothing on the embedded store.
 */
export class BackendHealth {
  private readonly database: BoundedProbe | null;
  private readonly bucket: BoundedProbe | null;

  constructor(
    private readonly backends: Pick<StoreBackends, 'db' | 'feed' | 'bucket'>,
    log: FastifyBaseLogger,
  ) {
    const { db, bucket } = backends;
    // pg's query_timeout also ends a query stuck on a connection that went silent (and the pool drops that connection).
    const ping = { text: 'SELECT 1', query_timeout: PROBE_TIMEOUT_MS } as pg.QueryConfig;
    this.database = db ? new BoundedProbe('PostgreSQL', () => db.pool.query(ping), log) : null;
    this.bucket = bucket ? new BoundedProbe('package bucket', (signal) => bucket.probe(signal), log) : null;
  }

  async report(): Promise<{ fields: BackendFields; problems: string[] }> {
    const fields: BackendFields = {};
    const problems: string[] = [];
    const [database, bucket] = await Promise.all([this.database?.outcome(), this.bucket?.outcome()]);
    if (database) {
      const listening = this.backends.feed?.connected ?? false;
      fields.database = { reachable: database.ok, change_feed: listening };
      if (!database.ok) {
        problems.push(
          `PostgreSQL cannot be reached (${database.why}): publishes, deletes, reviews and token checks answer 503 DATABASE_UNAVAILABLE; ` +
            "reads are served from this replica's copy",
        );
      } else if (!listening) {
        problems.push("this replica's PostgreSQL change feed is reconnecting: other replicas' writes may reach its answers late");
      }
    }
    if (bucket) {
      fields.blob_store = { reachable: bucket.ok };
      if (!bucket.ok) {
        problems.push(`the package bucket cannot be reached (${bucket.why}): downloads and publishes answer 503 BLOB_STORAGE_UNAVAILABLE`);
      }
    }
    return { fields, problems };
  }
}
