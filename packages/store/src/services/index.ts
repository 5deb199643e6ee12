import type { FastifyBaseLogger } from 'fastify';
import { StorageSweep } from '../blobs/blob-sweep.js';
import type { StoreConfig } from '../config.js';
import { StoreAuth } from '../lib/api-key.js';
import { DashboardIdentity } from '../lib/dashboard-identity.js';
import { ArchiveThread } from '@oko/shared/archive';
import { ArchiveImporter } from './archive-importer.js';
import { openBackends, type StoreBackends } from './backends.js';
import type { CatalogRepository } from './catalog-repository.js';
import { GithubImporter } from './github-importer.js';
import { GithubRefresher } from './github-refresh.js';
import { GithubRefreshSchedule, type ExclusiveRunner } from './github-refresh-schedule.js';
import type { InstallCounts } from './install-counter.js';
import { PluginCatalog } from './plugin-catalog.js';
import { PluginPublisher } from './plugin-publisher.js';
import type { PublisherRepository } from './publisher-repository.js';
import type { PluginStorage } from './plugin-storage.js';
import { ReviewBoard } from './review-board.js';
import type { ReviewLimits } from './review-repository.js';
import { StatsFold } from './stats-fold.js';
import { tidyUploads } from './upload-sweep.js';
import { runExclusive, LOCKS } from '../postgres/advisory-lock.js';
import type { Database } from '../postgres/database.js';
import { UploadSlots } from '../lib/upload-slots.js';

export interface StoreServices {
  catalog: CatalogRepository;
  storage: PluginStorage;
  plugins: PluginCatalog;
  /** Extraction and packing, off the event loop (stopped on close). */
  archiveThread: ArchiveThread;
  archives: ArchiveImporter;
  /** How many ZIP uploads are received at once (the upload route takes a place first). */
  uploadSlots: UploadSlots;
  github: GithubImporter;
  /** Refreshes of GitHub-imported plugins (route, webhook) and their schedule (started by buildApp). */
  refresher: GithubRefresher;
  refreshSchedule: GithubRefreshSchedule;
  /** PostgreSQL mode: orphaned blobs and abandoned upload folders (started by buildApp); null on the embedded store. */
  sweep: StorageSweep | null;
  publishers: PublisherRepository;
  auth: StoreAuth;
  /** Which dashboard a download or review comes from (token, or X-OKO-Instance on an open store). */
  identity: DashboardIdentity;
  /** Downloads per plugin name (stats.json or PostgreSQL); closed by buildApp's onClose, which writes what is left. */
  installs: InstallCounts;
  reviews: ReviewBoard;
  /** Where all of the above keep their state (JSON files, or PostgreSQL and S3); closed by buildApp's onClose. */
  backends: StoreBackends;
}

export interface ServiceOptions {
  /** The clock the stats fold reads (tests move it instead of waiting a minute). */
  now?: () => number;
  /** Bounds of reviews.json (REVIEW_LIMITS by default; tests make them small). */
  reviewLimits?: ReviewLimits;
}

/**
 * Opens where the state is kept (backends.ts: plugins.json, publishers.json, reviews.json,
 * stats.json and uploads/, or PostgreSQL and S3) and wires the services that use it.
 */
export async function createServices(config: StoreConfig, log: FastifyBaseLogger, options: ServiceOptions = {}): Promise<StoreServices> {
  const backends = await openBackends(config, log, options.reviewLimits);
  const { storage, catalog, publishers, reviews, installs } = backends;
  // Embedded: one process owns uploads/, so its start tidies them. On PostgreSQL the sweep does, past a grace (another replica may be importing).
  if (!backends.db) await tidyUploads(catalog, storage, log);
  const thread = new ArchiveThread();
  const publisher = new PluginPublisher(catalog, storage, log, thread);
  const limits = { maxUnpackedBytes: config.maxUnpackedBytes, maxEntries: config.maxEntries };
  const github = new GithubImporter(publisher, thread, { github: config.github, maxPluginSizeBytes: config.maxPluginSizeBytes, limits });
  const refresher = new GithubRefresher(catalog, github, log, publishers);
  const stats = new StatsFold(installs, reviews, config.statsFoldIntervalMs, options.now);
  const plugins = new PluginCatalog(catalog, storage, log, stats, thread);
  return {
    catalog,
    storage,
    plugins,
    archiveThread: thread,
    uploadSlots: new UploadSlots(config.maxConcurrentUploads),
    archives: new ArchiveImporter(publisher, thread, {
      maxPluginSizeBytes: config.maxPluginSizeBytes,
      uploadIdleTimeoutMs: config.uploadIdleTimeoutMs,
      limits,
    }),
    github,
    refresher,
    refreshSchedule: new GithubRefreshSchedule(
      refresher,
      config.github.refreshIntervalMs,
      log,
      scheduleLock(backends.db, LOCKS.githubRefresh),
    ),
    sweep: backends.db ? new StorageSweep(backends.db, catalog, storage, config.sweep, log) : null,
    publishers,
    auth: new StoreAuth(config.apiKey, publishers),
    identity: new DashboardIdentity(config.apiKey, publishers),
    installs,
    reviews: new ReviewBoard(reviews, installs, catalog, plugins),
    backends,
  };
}

/** Scheduled work on one replica at a time in PostgreSQL mode (an advisory lock); the embedded store is one process. */
function scheduleLock(db: Database | null, key: number): ExclusiveRunner | undefined {
  return db ? (work) => runExclusive(db, key, work) : undefined;
}
