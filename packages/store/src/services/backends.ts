import type { FastifyBaseLogger } from 'fastify';
import type { BlobBucket } from '../blobs/blob-bucket.js';
import { openBlobStorage, type BlobPluginStorage } from '../blobs/blob-storage.js';
import type { StoreConfig } from '../config.js';
import { ChangeFeed } from '../postgres/change-feed.js';
import { Database } from '../postgres/database.js';
import { openPgCatalog } from '../postgres/pg-catalog-repository.js';
import { openPgInstalls } from '../postgres/pg-install-counter.js';
import { openPgPublishers } from '../postgres/pg-publisher-repository.js';
import { openPgReviews } from '../postgres/pg-review-repository.js';
import { JsonCatalogRepository, type CatalogRepository } from './catalog-repository.js';
import { InstallCounter, type InstallCounts } from './install-counter.js';
import { LocalPluginStorage, type PluginStorage } from './plugin-storage.js';
import { JsonPublisherRepository, type PublisherRepository } from './publisher-repository.js';
import { JsonReviewRepository, type ReviewLimits, type ReviewRepository } from './review-repository.js';

/**
 * Where the store keeps its state, chosen once at start (README, Running the store on PostgreSQL
 * and S3): the embedded JSON files and upload folders (the default), the same data in PostgreSQL
 * with packages on local disk, or PostgreSQL with packages in S3-compatible storage. Nothing above
 * these interfaces knows which.
 */
export interface StoreBackends {
  catalog: CatalogRepository;
  publishers: PublisherRepository;
  reviews: ReviewRepository;
  installs: InstallCounts;
  storage: PluginStorage;
  /** The PostgreSQL pool and this replica's LISTEN connection; null on the embedded store. */
  db: Database | null;
  feed: ChangeFeed | null;
  /** The package bucket (OKO_STORE_BLOB_URL); null with packages on local disk. */
  bucket: BlobBucket | null;
  /** Writes what is buffered (install counters) and closes connections; buildApp's onClose calls it. */
  close(): Promise<void>;
}

export async function openBackends(config: StoreConfig, log: FastifyBaseLogger, reviewLimits?: ReviewLimits): Promise<StoreBackends> {
  if (!config.database) return openEmbedded(config, log, reviewLimits);
  const db = await Database.open(config.database, log);
  let feed: ChangeFeed | null = null;
  let storage: PluginStorage | null = null;
  try {
    feed = await ChangeFeed.start(config.database.url, log, config.database.timeoutMs);
    const limits = { maxUnpackedBytes: config.maxUnpackedBytes, maxEntries: config.maxEntries };
    const blobs: BlobPluginStorage | null = config.blobs ? await openBlobStorage(config.blobs, db, config.storagePath, log, limits) : null;
    storage = blobs ?? (await openLocalStorage(config));
    const catalog = await openPgCatalog(db, feed, log);
    const publishers = await openPgPublishers(db);
    const reviews = await openPgReviews(db, feed, log, reviewLimits);
    const installs = await openPgInstalls(db, feed, log, { reloadMs: config.statsFoldIntervalMs });
    const opened = feed;
    const stored = storage;
    return {
      catalog,
      publishers,
      reviews,
      installs,
      storage,
      db,
      feed,
      bucket: blobs?.bucket ?? null,
      async close() {
        await installs.close();
        await stored.close();
        await opened.close();
        await db.close();
      },
    };
  } catch (error) {
    await feed?.close();
    await storage?.close();
    await db.close().catch(() => undefined);
    throw error;
  }
}

async function openLocalStorage(config: StoreConfig): Promise<LocalPluginStorage> {
  const storage = new LocalPluginStorage(config.storagePath);
  await storage.init();
  return storage;
}

async function openEmbedded(config: StoreConfig, log: FastifyBaseLogger, reviewLimits?: ReviewLimits): Promise<StoreBackends> {
  const storage = await openLocalStorage(config);
  const catalog = await JsonCatalogRepository.open(config.storagePath, log);
  const publishers = await JsonPublisherRepository.open(config.storagePath);
  const reviews = await JsonReviewRepository.open(config.storagePath, reviewLimits);
  const installs = await InstallCounter.open(config.storagePath, log);
  return { catalog, publishers, reviews, installs, storage, db: null, feed: null, bucket: null, close: () => installs.close() };
}
