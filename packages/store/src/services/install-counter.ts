import { createHash } from 'node:crypto';
import { readFile, rename } from 'node:fs/promises';
import path from 'node:path';
import { checkSchema, formatIssues, type InstallStats } from '@oko/shared';
import { writeFileAtomic } from '@oko/shared/server';
import { Type, type Static } from '@fastify/type-provider-typebox';
import type { FastifyBaseLogger } from 'fastify';

export const STATS_FILE = 'stats.json';
/**
 * Distinct downloaders remembered per plugin name, and over all names: past either, a new
 * downloader counts as a download only and `instances` stays (README, Ratings, reviews and install
 * counts). On an open store anyone can invent instance ids, so the total bounds the memory and the
 * stats.json written each minute (about 40 bytes a downloader) whatever the number of names.
 */
export interface DownloaderLimits {
  perName: number;
  total: number;
}
export const DOWNLOADER_LIMITS: DownloaderLimits = { perName: 100_000, total: 500_000 };
/** Counters reach the disk at most this often, and on close: a crash loses at most this much counting. */
export const STATS_FLUSH_INTERVAL_MS = 60_000;

/**
 * Who downloaded or reviewed, as the store keeps it: a hash of `token:<token id>` or
 * `instance:<X-OKO-Instance>`, never the instance id itself (whoever holds it can write as that
 * dashboard). 128 bits: collisions are out of reach, and 100,000 of them per name stay small.
 */
export function downloaderKey(who: string): string {
  return createHash('sha256').update(who).digest('base64url').slice(0, 22);
}

const NameCounters = Type.Object({
  downloads: Type.Integer({ minimum: 0 }),
  /** downloader key → the version it downloaded last */
  downloaders: Type.Record(Type.String(), Type.String()),
});
const StatsFile = Type.Object({ format: Type.Literal(1), plugins: Type.Record(Type.String(), NameCounters) });

interface Counters {
  downloads: number;
  downloaders: Map<string, string>;
}

/**
 * Where install counts are kept: stats.json (InstallCounter) or PostgreSQL (openPgInstalls).
 * Counting never waits: a download is recorded in memory and reaches storage in batches.
 */
export interface InstallCounts {
  /** Counts a download of `name`; `downloader` (a downloaderKey) when the caller named itself. */
  record(name: string, version: string, downloader: string | null): void;
  /**
   * The version `downloader` last downloaded of `name`, or undefined (never, or past the cap).
   * stats.json knows at once; PostgreSQL is asked, where every replica's downloads reach.
   */
  downloadedBy(name: string, downloader: string): string | undefined | Promise<string | undefined>;
  statsOf(name: string): InstallStats;
  /** Every name with counters: for the fold. */
  counted(): Iterable<string>;
  /** Rises when the counts this replica answers with moved: what the stats fold compares. */
  readonly changes: number;
  /** Writes what is counted but not yet stored; a failure is logged and retried later. */
  flush(): Promise<void>;
  /** Stops the timers and writes what is left (the store's onClose). */
  close(): Promise<void>;
}

/**
 * Downloads per plugin name and who made them, in memory, written to stats.json at most once a
 * minute and on close (a count is not worth an fsync per download). A broken file is set aside and
 * counting starts again: counts are not content, and the store should not stay down for them.
 */
export class InstallCounter implements InstallCounts {
  private readonly names = new Map<string, Counters>();
  /** Downloaders remembered over all names. */
  private downloaders = 0;
  private dirty = false;
  private timer: NodeJS.Timeout | null = null;
  private lastFlush = 0;
  private writing: Promise<void> = Promise.resolve();
  private closed = false;
  /** Rises with every counted download: what the stats fold compares. */
  changes = 0;

  private constructor(
    private readonly file: string,
    private readonly log: FastifyBaseLogger,
    private readonly limits: DownloaderLimits,
  ) {}

  static async open(storagePath: string, log: FastifyBaseLogger, limits: DownloaderLimits = DOWNLOADER_LIMITS): Promise<InstallCounter> {
    const counter = new InstallCounter(path.join(storagePath, STATS_FILE), log, limits);
    await counter.load();
    return counter;
  }

  private async load(): Promise<void> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    let problem: string | null = null;
    let data: unknown;
    try {
      data = JSON.parse(text);
      const issues = checkSchema(StatsFile, data, STATS_FILE);
      if (issues.length > 0) problem = formatIssues(issues.slice(0, 3));
    } catch (error) {
      problem = `not valid JSON: ${(error as Error).message}`;
    }
    if (problem !== null) {
      const aside = `${this.file}.broken-${new Date().toISOString().replace(/[:.]/g, '-')}`;
      await rename(this.file, aside);
      this.log.error({ file: this.file, aside, problem }, `INSTALL COUNTS RESET: ${STATS_FILE} is unusable (${problem}); kept as ${aside}`);
      return;
    }
    for (const [name, counters] of Object.entries((data as Static<typeof StatsFile>).plugins)) {
      const downloaders = new Map(Object.entries(counters.downloaders));
      this.names.set(name, { downloads: counters.downloads, downloaders });
      this.downloaders += downloaders.size;
    }
  }

  /** Counts a download of `name`; `downloader` (a downloaderKey) when the caller named itself. */
  record(name: string, version: string, downloader: string | null): void {
    let counters = this.names.get(name);
    if (!counters) this.names.set(name, (counters = { downloads: 0, downloaders: new Map() }));
    counters.downloads++;
    if (downloader !== null) {
      if (counters.downloaders.has(downloader)) counters.downloaders.set(downloader, version);
      else if (counters.downloaders.size < this.limits.perName && this.downloaders < this.limits.total) {
        counters.downloaders.set(downloader, version);
        this.downloaders++;
      }
    }
    this.changes++;
    this.dirty = true;
    this.schedule();
  }

  /** The version `downloader` last downloaded of `name`, or undefined (never, or past the cap). */
  downloadedBy(name: string, downloader: string): string | undefined {
    return this.names.get(name)?.downloaders.get(downloader);
  }

  statsOf(name: string): InstallStats {
    const counters = this.names.get(name);
    return counters ? { downloads: counters.downloads, instances: counters.downloaders.size } : { downloads: 0, instances: 0 };
  }

  /** Every name with counters: for the fold. */
  counted(): IterableIterator<string> {
    return this.names.keys();
  }

  private schedule(): void {
    if (this.timer || this.closed) return;
    const wait = Math.max(0, this.lastFlush + STATS_FLUSH_INTERVAL_MS - Date.now());
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.flush();
    }, wait);
    this.timer.unref();
  }

  /** Writes the counters if they changed since the last write; one write at a time. A failure is logged and retried later. */
  flush(): Promise<void> {
    this.writing = this.writing.then(async () => {
      if (!this.dirty) return;
      this.dirty = false;
      this.lastFlush = Date.now();
      const plugins: Record<string, { downloads: number; downloaders: Record<string, string> }> = {};
      for (const [name, counters] of this.names) {
        plugins[name] = { downloads: counters.downloads, downloaders: Object.fromEntries(counters.downloaders) };
      }
      try {
        await writeFileAtomic(this.file, `${JSON.stringify({ format: 1, plugins })}\n`);
      } catch (error) {
        this.dirty = true;
        this.log.warn({ err: error, file: this.file }, 'install counts could not be written; trying again later');
        this.schedule();
      }
    });
    return this.writing;
  }

  /** Stops the timer and writes what is left (the store's onClose). */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.flush();
  }
}
