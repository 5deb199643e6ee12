import type { FastifyBaseLogger } from 'fastify';
import { LOCKS, runExclusive } from '../postgres/advisory-lock.js';
import type { Database } from '../postgres/database.js';
import type { CatalogRepository } from '../services/catalog-repository.js';
import type { PluginStorage } from '../services/plugin-storage.js';
import { idleFor, tidyUploads } from '../services/upload-sweep.js';
import type { BlobBucket } from './blob-bucket.js';
import { lockBlob } from './blob-claims.js';
import { BlobPluginStorage } from './blob-storage.js';

export interface SweepReport {
  /** Whether this replica held the sweep lock (false: another replica is sweeping). */
  ran: boolean;
  /** SHA-256s of blobs removed. */
  removed: string[];
  /** Blobs old enough to be looked at, kept because a row names them or a live claim protects them. */
  kept: number;
}

/**
 * Removes the blob of `sha256` if no catalog row names it and no claim younger than the grace
 * protects it, and says whether it did. Check and delete run in one transaction holding the
 * SHA-256's lock, which a claim also takes (blob-claims.ts): a publish that claims meanwhile waits
 * until the blob is gone, then writes it again. The delete happens before COMMIT, so the expired
 * claims dropped here come back if it fails.
 */
export async function sweepBlob(db: Database, bucket: BlobBucket, sha256: string, graceMs: number): Promise<boolean> {
  return db.transaction(async (tx) => {
    await lockBlob(tx, sha256);
    // A claim this old is a publish that died (or outlived the grace: its row's transaction then finds the claim gone and fails).
    await tx.query("DELETE FROM blob_claims WHERE sha256 = $1 AND claimed_at < now() - $2 * interval '1 millisecond'", [sha256, graceMs]);
    // One statement, one snapshot: a publish commits its row and the end of its claim together, so one of them is seen.
    const { rows } = await tx.query<{ used: boolean }>(
      'SELECT EXISTS (SELECT 1 FROM catalog_records WHERE sha256 = $1) OR EXISTS (SELECT 1 FROM blob_claims WHERE sha256 = $1) AS used',
      [sha256],
    );
    if (rows[0]?.used) return false;
    await bucket.delete(sha256);
    return true;
  });
}

/** One pass over the bucket: every blob last written more than the grace ago goes through sweepBlob. */
export async function sweepBlobs(db: Database, bucket: BlobBucket, graceMs: number, now = Date.now()): Promise<Omit<SweepReport, 'ran'>> {
  const removed: string[] = [];
  let kept = 0;
  for await (const blob of bucket.list()) {
    if (now - blob.lastModified.getTime() < graceMs) continue;
    if (await sweepBlob(db, bucket, blob.sha256, graceMs)) removed.push(blob.sha256);
    else kept++;
  }
  // Claims whose publish died before writing its blob: nothing above meets them.
  await db.query("DELETE FROM blob_claims WHERE claimed_at < now() - $1 * interval '1 millisecond'", [graceMs]);
  return { removed, kept };
}

/** Which of `dirs` (upload folder names) a catalog row's record names as its folder. */
export async function foldersNamedByRows(db: Database, dirs: string[]): Promise<Set<string>> {
  const { rows } = await db.query<{ dir: string }>(
    "SELECT DISTINCT record->'storage'->>'dir' AS dir FROM catalog_records WHERE record->'storage'->>'dir' = ANY($1::text[])",
    [dirs],
  );
  return new Set(rows.map((row) => row.dir));
}

/**
 * OKO_STORE_SWEEP_INTERVAL_S on PostgreSQL: orphaned blobs (packages in S3), or abandoned upload
 * folders (packages on a disk replicas share), by one replica at a time (LOCKS.sweep). With
 * packages in S3 each replica also clears its own scratch folders nothing was written to for the
 * grace. The first round runs at start; each next one is timed from the end of the last.
 */
export class StorageSweep {
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<SweepReport> | undefined;
  private stopped = true;

  constructor(
    private readonly db: Database,
    private readonly catalog: CatalogRepository,
    private readonly storage: PluginStorage,
    private readonly config: { graceMs: number; intervalMs: number },
    private readonly log: FastifyBaseLogger,
  ) {}

  start(): void {
    if (this.config.intervalMs <= 0 || !this.stopped) return;
    this.stopped = false;
    this.arm(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.round?.catch(() => undefined);
  }

  /** One round now; a round already running is joined. */
  runRound(): Promise<SweepReport> {
    this.round ??= this.sweep().finally(() => {
      this.round = undefined;
    });
    return this.round;
  }

  private arm(delayMs: number): void {
    this.timer = setTimeout(() => {
      if (this.stopped) return;
      void this.runRound()
        .catch((error: unknown) => this.log.error({ err: error }, 'storage sweep failed; the next round tries again'))
        .finally(() => {
          if (!this.stopped) this.arm(Math.min(this.config.intervalMs, 2 ** 31 - 1));
        });
    }, delayMs);
    this.timer.unref();
  }

  private async sweep(): Promise<SweepReport> {
    const { graceMs } = this.config;
    const storage = this.storage;
    const report: SweepReport = { ran: false, removed: [], kept: 0 };
    if (storage instanceof BlobPluginStorage) await this.tidyScratch(storage);
    report.ran = await runExclusive(this.db, LOCKS.sweep, async () => {
      if (storage instanceof BlobPluginStorage) Object.assign(report, await sweepBlobs(this.db, storage.bucket, graceMs));
      else
        await tidyUploads(this.catalog, storage, this.log, { idleMs: graceMs, namedByRows: (dirs) => foldersNamedByRows(this.db, dirs) });
    });
    if (report.removed.length > 0) this.log.info({ removed: report.removed, kept: report.kept }, 'sweep removed orphaned package blobs');
    return report;
  }

  /** Scratch folders left by imports that died (a published one is removed at once). */
  private async tidyScratch(storage: PluginStorage): Promise<void> {
    for (const name of await storage.listUploadFolders()) {
      if (await idleFor(storage.resolve(name), this.config.graceMs)) await storage.removeUploadFolder(name);
    }
  }
}
