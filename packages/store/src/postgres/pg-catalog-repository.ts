import { createError } from '@oko/shared';
import type { FastifyBaseLogger } from 'fastify';
import { ADMIN, type CatalogRecord, type Owner } from '../services/catalog-record.js';
import { assertOwner, type CatalogRepository, type CatalogWriteStep } from '../services/catalog-repository.js';
import type { ChangeFeed } from './change-feed.js';
import { pgErrorCode, PG_UNIQUE_VIOLATION, type Database, type Queryable } from './database.js';
import { alreadyExists, claimName, recordChange, versionRow } from './pg-catalog-writes.js';
import { applyChange, checkRow, readSnapshot, type CatalogRow, type CatalogSnapshot } from './pg-catalog-snapshot.js';
import { asDatabaseError, withDatabase } from './unavailable.js';
import { versionKey } from './version-key.js';

/** How long a notification waits for others before its reload starts: a burst of publishes costs one reload, not one each. */
const SETTLE_MS = 10;
const EMPTY: CatalogSnapshot = { version: -1, records: [], byId: new Map(), owners: new Map() };

type Change = { added: CatalogRecord; owner: Owner } | { removed: string };

/**
 * The catalog in PostgreSQL (001-catalog.ts; docs/architecture.md, The catalog in PostgreSQL).
 * Writes are decided by the database in one transaction each; reads are answered from this
 * replica's copy, which is reloaded when another replica's write is announced on 'oko_catalog' (or
 * after the feed reconnects) and brought up to date by this replica's own writes before they return.
 */
class PgCatalogRepository implements CatalogRepository {
  /** A database that refuses writes is answered per write (DATABASE_UNAVAILABLE), never by turning the catalog read-only. */
  readonly readOnlyReason = null;
  private snap: CatalogSnapshot = EMPTY;
  /** Every change of `snap` runs on this chain, one at a time, in order. */
  private chain: Promise<void> = Promise.resolve();
  /** A reload queued and not started yet: later requests join it instead of queuing their own. */
  private pending: { target: number; done: Promise<void> } | null = null;
  /** This replica's own committed changes by change id, until the copy includes them. */
  private readonly own = new Map<number, Change>();
  private retryTimer: NodeJS.Timeout | null = null;
  private retryMs = 250;
  /** Bad rows already logged, so a row that stays bad is reported once, not on every reload. */
  private readonly reported = new Set<string>();

  constructor(
    private readonly db: Database,
    private readonly log: FastifyBaseLogger,
  ) {}

  async list(): Promise<readonly CatalogRecord[]> {
    return this.snap.records;
  }

  listNow(): readonly CatalogRecord[] {
    return this.snap.records;
  }

  async get(id: string): Promise<CatalogRecord | undefined> {
    return this.snap.byId.get(id);
  }

  async ownerOf(name: string): Promise<Owner | undefined> {
    // Names listed without an owner row (brought in from a catalog older than owners) are the admin's, as in plugins.json.
    return this.snap.owners.get(name) ?? (this.snap.records.some((r) => r.name === name) ? ADMIN : undefined);
  }

  async add(record: CatalogRecord, by: Owner, step?: CatalogWriteStep): Promise<CatalogRecord> {
    const key = versionKey(record.version);
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.write(async (tx) => {
          const owner = await claimName(tx, record.name, by);
          assertOwner(owner, by, record.name, 'publish its versions');
          // Every write of a name holds its owner row, so this read sees every committed version of it.
          const same = await versionRow(tx, record.name, key);
          if (same) throw alreadyExists(record, same);
          const tomb = await tx.query<{ version: string; sha256: string }>(
            'SELECT version, sha256 FROM tombstones WHERE name = $1 AND version_key = $2',
            [record.name, key],
          );
          const dead = tomb.rows[0];
          if (dead && dead.sha256 !== record.sha256) {
            throw createError(
              'VERSION_DELETED',
              `Plugin '${record.name}' version ${dead.version} was deleted from this store and cannot come back with other content ` +
                `(it had sha256 ${dead.sha256}; this package has ${record.sha256}). Publish it under a new version`,
              { details: { name: record.name, version: dead.version, sha256: dead.sha256 } },
            );
          }
          const stored: CatalogRecord = { ...record, publisher: owner!.name, owner: owner! };
          await tx.query(
            `INSERT INTO catalog_records (id, name, version, version_key, sha256, size, created_at, record)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
            [stored.id, stored.name, stored.version, key, stored.sha256, stored.size, stored.created_at, JSON.stringify(stored)],
          );
          // Packages in S3: the blob's claim ends with this row's commit, or the row does not commit (blobs/blob-claims.ts).
          await step?.(tx);
          return { result: stored, change: { added: stored, owner: owner! } };
        });
      } catch (error) {
        // The constraint is the last word (a writer that skipped the owner row, say): name the row that won.
        if (pgErrorCode(error) !== PG_UNIQUE_VIOLATION) throw error;
        if ((error as { constraint?: string }).constraint !== 'catalog_records_name_version') {
          throw new Error(`catalog id collision: ${record.id}`, { cause: error });
        }
        const same = await withDatabase(() => versionRow(this.db, record.name, key));
        if (same) throw alreadyExists(record, same);
        if (attempt === 3) throw error; // deleted again each time in between: give up rather than loop
      }
    }
  }

  async remove(id: string, by: Owner): Promise<CatalogRecord> {
    return this.write(async (tx) => {
      const notFound = () => createError('PLUGIN_NOT_FOUND', `No plugin '${id}' in the store catalog`);
      const named = await tx.query<{ name: string }>('SELECT name FROM catalog_records WHERE id = $1', [id]);
      if (!named.rows[0]) throw notFound();
      // The owner row first, as add() takes it: the two lock in one order, and a publish of this
      // name waits for the delete, then sees its tombstone.
      const owner = await claimName(tx, named.rows[0].name, null);
      const found = await tx.query<CatalogRow & { version_key: string }>(
        'SELECT id, name, version, version_key, sha256, size::text AS size, record FROM catalog_records WHERE id = $1 FOR UPDATE',
        [id],
      );
      const row = found.rows[0];
      if (!row) throw notFound();
      assertOwner(owner, by, row.name, 'delete its versions');
      await tx.query('DELETE FROM catalog_records WHERE id = $1', [id]);
      // The name and version never come back with other content; the owner row stays (the name stays owned).
      await tx.query(
        `INSERT INTO tombstones (name, version_key, version, sha256) VALUES ($1, $2, $3, $4)
         ON CONFLICT (name, version_key) DO UPDATE SET version = EXCLUDED.version, sha256 = EXCLUDED.sha256, deleted_at = now()`,
        [row.name, row.version_key, row.version, row.sha256],
      );
      const checked = checkRow(row);
      // A row this replica skipped as bad is deleted all the same; its raw record is all there is to return.
      const record = 'record' in checked ? checked.record : (this.snap.byId.get(id) ?? (row.record as CatalogRecord));
      return { result: record, change: { removed: id } };
    });
  }

  /** One transaction that ends with a catalog_changes row and its NOTIFY; resolves once this replica's copy has it. */
  private async write<T>(work: (tx: Queryable) => Promise<{ result: T; change: Change }>): Promise<T> {
    let done: { result: T; change: Change; version: number };
    try {
      done = await this.db.transaction(async (tx) => ({ ...(await work(tx)), version: await recordChange(tx) }));
    } catch (error) {
      throw asDatabaseError(error);
    }
    await this.caughtUp(done.version, done.change);
    return done.result;
  }

  /** Read-your-writes: the copy includes change `version` (this replica's own) before the write returns. */
  private async caughtUp(version: number, change: Change): Promise<void> {
    this.own.set(version, change);
    await this.enqueue(async () => {
      this.applyOwn();
      if (this.snap.version < version) await this.reload();
    }).catch((error: unknown) => {
      // The write is committed: answer it, and let the copy catch up once the database answers again.
      this.log.warn({ err: error, version }, 'PostgreSQL catalog: a write is committed but this replica could not reload; retrying');
      this.retryLater();
    });
  }

  /**
   * Applies this replica's own committed changes that directly follow the copy, instead of reading
   * the whole catalog again: change ids are gapless in commit order unless another replica wrote
   * in between (then a reload) or a sequence value was lost (then a reload too, which costs time only).
   */
  private applyOwn(): void {
    for (let next = this.own.get(this.snap.version + 1); next; next = this.own.get(this.snap.version + 1)) {
      this.snap = applyChange(this.snap, this.snap.version + 1, next);
    }
    for (const version of this.own.keys()) if (version <= this.snap.version) this.own.delete(version);
  }

  /** Catches up with the newest change in the database now (one indexed read, then a reload only if behind). */
  async refresh(): Promise<void> {
    const { rows } = await withDatabase(() =>
      this.db.query<{ version: string }>('SELECT coalesce(max(id), 0) AS version FROM catalog_changes'),
    );
    await this.reloadTo(Number(rows[0]?.version ?? 0));
  }

  /** A notification on 'oko_catalog' (the id of the change), or null after the feed reconnected: anything may have changed. */
  heard(payload: string | null): void {
    const id = payload === null || !/^\d+$/.test(payload) ? Number.POSITIVE_INFINITY : Number(payload);
    void this.reloadTo(id, SETTLE_MS);
  }

  /** Reloads unless the copy already includes change `target`; requests made while one waits to start join it. */
  private reloadTo(target: number, settleMs = 0): Promise<void> {
    if (target <= this.snap.version) return Promise.resolve();
    if (this.pending) {
      this.pending.target = Math.max(this.pending.target, target);
      return this.pending.done;
    }
    const pending = { target, done: Promise.resolve() };
    pending.done = this.enqueue(async () => {
      if (settleMs > 0) await new Promise((resolve) => setTimeout(resolve, settleMs));
      this.pending = null;
      this.applyOwn(); // this replica's own write, heard back before the write itself had returned
      if (pending.target <= this.snap.version) return;
      await this.reload();
    }).catch((error: unknown) => {
      this.log.warn({ err: error }, 'PostgreSQL catalog: reload failed; this replica serves its last copy and retries');
      this.retryLater();
    });
    this.pending = pending;
    return pending.done;
  }

  private retryLater(): void {
    if (this.retryTimer || this.db.pool.ended) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.retryMs = Math.min(this.retryMs * 2, 5000);
      void this.reloadTo(Number.POSITIVE_INFINITY);
    }, this.retryMs);
    this.retryTimer.unref();
  }

  /** Loads the copy at open; a database that cannot be read stops the start. */
  async load(): Promise<void> {
    await this.enqueue(() => this.reload());
  }

  private async reload(): Promise<void> {
    const { snapshot, skipped } = await readSnapshot((work) => this.db.transaction(work), this.snap.byId);
    this.retryMs = 250;
    for (const bad of skipped) {
      const key = `${bad.id}\n${bad.reason}`;
      if (this.reported.has(key)) continue;
      this.reported.add(key);
      this.log.error({ id: bad.id, reason: bad.reason }, `CATALOG RECORD SKIPPED: catalog_records row ${bad.id}: ${bad.reason}`);
    }
    const same =
      snapshot.version === this.snap.version &&
      snapshot.records.length === this.snap.records.length &&
      snapshot.records.every((r, i) => r.id === this.snap.records[i]!.id);
    // Unchanged (a reconnect with nothing missed): keep the arrays, so PluginCatalog keeps its view and cached answers.
    this.snap = same ? { ...this.snap, owners: snapshot.owners } : snapshot;
    this.applyOwn();
  }

  private enqueue(step: () => Promise<void>): Promise<void> {
    const run = this.chain.then(step);
    this.chain = run.catch(() => undefined);
    return run;
  }
}

/**
 * Opens the catalog of `db` for this replica: listens on 'oko_catalog' first, then reads the copy,
 * so a change committed meanwhile is either in that read or heard after it.
 */
export async function openPgCatalog(db: Database, feed: ChangeFeed, log: FastifyBaseLogger): Promise<CatalogRepository> {
  const repo = new PgCatalogRepository(db, log);
  feed.on('oko_catalog', (payload) => repo.heard(payload));
  await repo.load();
  return repo;
}

/**
 * Whether the catalog in `db` was ever written (it may be empty again): the seeder's test for a new
 * catalog, as a missing plugins.json is in the embedded store. catalog_changes is pruned, never emptied.
 */
export async function catalogEverWritten(db: Database): Promise<boolean> {
  const { rows } = await db.query<{ written: boolean }>('SELECT EXISTS (SELECT 1 FROM catalog_changes) AS written');
  return rows[0]?.written ?? false;
}
