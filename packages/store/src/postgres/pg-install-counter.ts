import { randomBytes } from 'node:crypto';
import { STATS_FOLD_INTERVAL_MS, type InstallStats } from '@oko/shared';
import type { FastifyBaseLogger } from 'fastify';
import { DOWNLOADER_LIMITS, type DownloaderLimits, type InstallCounts } from '../services/install-counter.js';
import { notifyChange, type ChangeFeed } from './change-feed.js';
import type { Database } from './database.js';
import { withDatabase } from './unavailable.js';
import { readInstallCounts, writeInstallBatch, type PendingCounts } from './install-batch.js';

export interface PgInstallOptions {
  limits?: DownloaderLimits;
  /** A counted download reaches PostgreSQL within this long (and on flush or close). */
  flushMs?: number;
  /** Other replicas' counts are read at most this often (the stats fold interval: answers take them no more often). */
  reloadMs?: number;
}
export const PG_INSTALL_FLUSH_MS = 5_000;

function merge(into: Map<string, PendingCounts>, from: ReadonlyMap<string, PendingCounts>): void {
  for (const [name, counts] of from) {
    const target = into.get(name);
    if (!target) into.set(name, { downloads: counts.downloads, downloaders: new Map(counts.downloaders) });
    else {
      target.downloads += counts.downloads;
      for (const [key, version] of counts.downloaders) target.downloaders.set(key, version);
    }
  }
}

/**
 * Install counters in PostgreSQL (003-reviews-and-installs.ts). Downloads are the store's most
 * frequent write, so each replica counts in memory and adds its counts in one transaction every
 * few seconds (downloads += n, new downloaders within the caps). A replica answers from the
 * stored totals plus what it counted since; other replicas' batches reach it through a NOTIFY on
 * 'oko_installs', read at most once per `reloadMs`, which is as often as catalog answers take
 * counts anyway. Who downloaded is asked of the database, where every replica's batches land.
 */
class PgInstallCounter implements InstallCounts {
  /** Totals as PostgreSQL had them at the last read or write. */
  private stored = new Map<string, InstallStats>();
  private pending = new Map<string, PendingCounts>();
  /** The batch being written: still counted in answers until its totals are in `stored`. */
  private writing: ReadonlyMap<string, PendingCounts> = new Map();
  /** Writes and reads of the totals, one at a time, so a read never lands under a newer write's totals. */
  private queue: Promise<unknown> = Promise.resolve();
  private flushTimer: NodeJS.Timeout | null = null;
  private reloadTimer: NodeJS.Timeout | null = null;
  private lastReload = 0;
  private closed = false;
  private moved = 0;
  private readonly replica = randomBytes(8).toString('hex');

  constructor(
    private readonly db: Database,
    private readonly log: FastifyBaseLogger,
    private readonly limits: DownloaderLimits,
    private readonly flushMs: number,
    private readonly reloadMs: number,
  ) {}

  get changes(): number {
    return this.moved;
  }

  listen(feed: ChangeFeed): void {
    // null: the feed reconnected and batches may have gone unheard.
    feed.on('oko_installs', (payload) => {
      if (payload !== this.replica) this.reloadSoon();
    });
  }

  record(name: string, version: string, downloader: string | null): void {
    let counts = this.pending.get(name);
    if (!counts) this.pending.set(name, (counts = { downloads: 0, downloaders: new Map() }));
    counts.downloads++;
    if (downloader !== null) counts.downloaders.set(downloader, version);
    this.moved++;
    this.scheduleFlush();
  }

  /** Writes this replica's counts first, so its own download of a moment ago counts too. */
  async downloadedBy(name: string, downloader: string): Promise<string | undefined> {
    await this.flush();
    const { rows } = await withDatabase(() =>
      this.db.query<{ version: string }>('SELECT version FROM install_downloaders WHERE name = $1 AND downloader_key = $2', [
        name,
        downloader,
      ]),
    );
    return rows[0]?.version;
  }

  /** Distinct downloaders as PostgreSQL decided them (at the last batch); downloads include this replica's since. */
  statsOf(name: string): InstallStats {
    const stored = this.stored.get(name);
    const downloads = (stored?.downloads ?? 0) + (this.writing.get(name)?.downloads ?? 0) + (this.pending.get(name)?.downloads ?? 0);
    return { downloads, instances: stored?.instances ?? 0 };
  }

  counted(): Iterable<string> {
    return new Set([...this.stored.keys(), ...this.writing.keys(), ...this.pending.keys()]);
  }

  private enqueue(work: () => Promise<void>): Promise<void> {
    const done = this.queue.then(work, work);
    this.queue = done.catch(() => undefined);
    return done;
  }

  private scheduleFlush(): void {
    if (this.flushTimer || this.closed) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = null;
      void this.flush();
    }, this.flushMs);
    this.flushTimer.unref();
  }

  flush(): Promise<void> {
    return this.enqueue(async () => {
      if (this.pending.size === 0) return;
      const batch = this.pending;
      this.pending = new Map();
      this.writing = batch;
      try {
        const totals = await this.db.transaction(async (tx) => {
          const written = await writeInstallBatch(tx, batch, this.limits);
          await notifyChange(tx, 'oko_installs', this.replica);
          return written;
        });
        for (const [name, stats] of totals) this.stored.set(name, stats);
        this.moved++;
      } catch (error) {
        // Kept for the next batch, counted after what this replica counted meanwhile.
        const back = new Map<string, PendingCounts>();
        merge(back, batch);
        merge(back, this.pending);
        this.pending = back;
        this.log.warn({ err: error }, 'install counts could not be written to PostgreSQL; trying again later');
        this.scheduleFlush();
      } finally {
        this.writing = new Map();
      }
    });
  }

  private reloadSoon(): void {
    if (this.reloadTimer || this.closed) return;
    this.reloadTimer = setTimeout(
      () => {
        this.reloadTimer = null;
        void this.enqueue(() => this.reload());
      },
      Math.max(0, this.lastReload + this.reloadMs - Date.now()),
    );
    this.reloadTimer.unref();
  }

  /** Reads every name's stored totals; throws when PostgreSQL cannot answer. */
  async load(): Promise<void> {
    this.lastReload = Date.now();
    this.stored = await readInstallCounts(this.db);
    this.moved++;
  }

  private async reload(): Promise<void> {
    try {
      await this.load();
    } catch (error) {
      this.log.warn({ err: error }, 'install counts could not be read from PostgreSQL; trying again later');
      this.reloadSoon();
    }
  }

  async close(): Promise<void> {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    if (this.reloadTimer) clearTimeout(this.reloadTimer);
    this.closed = true;
    await this.flush();
    const lost = [...this.pending.values()].reduce((sum, counts) => sum + counts.downloads, 0);
    if (lost > 0)
      this.log.error({ downloads: lost }, 'install counts not written to PostgreSQL before closing: these downloads are not counted');
  }
}

/** Opens the install counters in PostgreSQL: listens before the first read, so no batch made meanwhile goes unheard. */
export async function openPgInstalls(
  db: Database,
  feed: ChangeFeed,
  log: FastifyBaseLogger,
  options: PgInstallOptions = {},
): Promise<InstallCounts> {
  const counter = new PgInstallCounter(
    db,
    log,
    options.limits ?? DOWNLOADER_LIMITS,
    options.flushMs ?? PG_INSTALL_FLUSH_MS,
    options.reloadMs ?? STATS_FOLD_INTERVAL_MS,
  );
  counter.listen(feed);
  await counter.load();
  return counter;
}
