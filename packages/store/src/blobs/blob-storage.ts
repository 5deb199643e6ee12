import path from 'node:path';
import { pipeline, type Readable, Writable } from 'node:stream';
import { pipeline as pipelineAsync } from 'node:stream/promises';
import { createWriteStream } from 'node:fs';
import { createError, isOkoError, type StorePluginPath } from '@oko/shared';
import type { ArchiveLimits } from '@oko/shared/archive';
import type { FastifyBaseLogger } from 'fastify';
import type { BlobConfig } from '../config.js';
import type { Database } from '../postgres/database.js';
import type { CatalogRecord } from '../services/catalog-record.js';
import { LocalPluginStorage, type BlobPackages, type StoredPackage, type UploadFolder } from '../services/plugin-storage.js';
import { BlobBucket, blobUnavailable, createS3Client, isMissingBlob } from './blob-bucket.js';
import { claimBlob, consumeClaim, releaseClaim } from './blob-claims.js';
import { PackageCache } from './package-cache.js';
import { VerifiedStream, type Expected, type Found } from './verified-stream.js';

export const BLOB_CACHE_DIR = 'blob-cache';

/** Packages in S3-compatible storage, import work on local scratch disk (OKO_STORE_BLOB_URL). */
export async function openBlobStorage(
  config: BlobConfig,
  db: Database,
  scratchPath: string,
  log: FastifyBaseLogger,
  limits?: ArchiveLimits,
): Promise<BlobPluginStorage> {
  const bucket = new BlobBucket(createS3Client(config), config);
  try {
    await bucket.check();
    const storage = new BlobPluginStorage(scratchPath, bucket, db, log, limits);
    await storage.init();
    return storage;
  } catch (error) {
    bucket.client.destroy();
    throw error;
  }
}

/**
 * Imports work in upload folders as on local disk, but those are scratch: once packed, the package
 * goes to `<prefix>/sha256/<hex>.zip` (content-addressed: a blob two entries share is one object),
 * claimed first, read back and checked, all before the catalog row; then the folder goes. Nothing
 * a replica needs later is on its disk: reads come from the bucket (downloads, streamed and
 * checked) or from a cache filled from it (README, images).
 */
export class BlobPluginStorage extends LocalPluginStorage {
  override readonly blobs: BlobPackages;
  private readonly cache: PackageCache;

  constructor(
    scratchPath: string,
    readonly bucket: BlobBucket,
    private readonly db: Database,
    private readonly log: FastifyBaseLogger,
    limits?: ArchiveLimits,
  ) {
    super(scratchPath);
    this.cache = new PackageCache(
      path.join(scratchPath, BLOB_CACHE_DIR),
      (expected, file) => this.download(expected, file),
      limits ?? { maxUnpackedBytes: Number.MAX_SAFE_INTEGER, maxEntries: Number.MAX_SAFE_INTEGER },
    );
    this.blobs = {
      locate: (record) => this.locate(record),
      filesOf: (record) => this.cache.folderOf(record),
      open: (record) => this.open(record),
    };
  }

  override async init(): Promise<void> {
    await super.init();
    await this.cache.init();
  }

  override async close(): Promise<void> {
    this.bucket.client.destroy();
  }

  /**
   * Claim, put, read back: only a package the bucket gives back byte for byte (its SHA-256 and
   * size) is handed on to the catalog write, with the step that moves the claim to the row.
   */
  override async storePackage(folder: UploadFolder, pkg: { sha256: string; size: number }): Promise<StoredPackage> {
    const token = await claimBlob(this.db, pkg.sha256);
    const release = () =>
      releaseClaim(this.db, token).catch((error: unknown) => {
        // Left behind, the claim only delays the sweep of an orphan until it is older than the grace.
        this.log.warn({ err: error, sha256: pkg.sha256 }, 'could not drop a blob claim; the sweep drops it after the grace period');
      });
    try {
      try {
        await this.bucket.put(this.resolve(folder.name, 'package.zip'), pkg.sha256, pkg.size);
      } catch (error) {
        throw blobUnavailable(`store the package (${this.bucket.locationOf(pkg.sha256)})`, error);
      }
      await this.readBack(pkg);
    } catch (error) {
      await release();
      throw error;
    }
    return { step: consumeClaim(token), release };
  }

  private async readBack(expected: Expected): Promise<void> {
    const sink = new Writable({ write: (_chunk, _encoding, done) => done() });
    await pipelineAsync(await this.openChecked(expected, 'read back after writing'), sink).catch((error: unknown) => {
      throw isOkoError(error) ? error : blobUnavailable(`read the package back (${this.bucket.locationOf(expected.sha256)})`, error);
    });
  }

  private locate(record: CatalogRecord): StorePluginPath {
    return { path: this.bucket.locationOf(record.sha256), exists: false };
  }

  private open(record: CatalogRecord): Promise<Readable> {
    return this.openChecked(record, `download of ${record.name} ${record.version} (id ${record.id})`);
  }

  private async download(expected: Expected, file: string): Promise<void> {
    await pipelineAsync(await this.openChecked(expected, 'cache fill'), createWriteStream(file, { flags: 'wx' })).catch(
      (error: unknown) => {
        throw isOkoError(error) ? error : blobUnavailable(`read the package ${this.bucket.locationOf(expected.sha256)}`, error);
      },
    );
  }

  /**
   * The blob's bytes through a VerifiedStream: a missing blob or one of another length fails here
   * (before an answer starts), one of other content fails before its last byte. Each is logged as
   * PACKAGE INTEGRITY: the bucket no longer holds what was published.
   */
  private async openChecked(expected: Expected, doing: string): Promise<Readable> {
    const integrity = (found: Found | 'missing') => {
      const location = this.bucket.locationOf(expected.sha256);
      this.log.error({ location, expected, found, doing }, `PACKAGE INTEGRITY: ${location} is not the package published (${doing})`);
      return createError(
        'PACKAGE_INTEGRITY_ERROR',
        `The stored package ${location} ${found === 'missing' ? 'is missing' : 'does not match its published size and sha256'}; the store does not serve it`,
      );
    };
    let blob: { body: Readable; length: number | undefined };
    try {
      blob = await this.bucket.get(expected.sha256);
    } catch (error) {
      if (isMissingBlob(error)) throw integrity('missing');
      throw blobUnavailable(`read the package ${this.bucket.locationOf(expected.sha256)}`, error);
    }
    if (blob.length !== undefined && blob.length !== expected.size) {
      blob.body.destroy();
      throw integrity({ bytes: blob.length, sha256: null });
    }
    const verified = new VerifiedStream(expected, integrity);
    pipeline(blob.body, verified, (error) => {
      // A reader that went away (a client that hung up) is no fault of the blob's.
      const gone = (error as NodeJS.ErrnoException | undefined)?.code === 'ERR_STREAM_PREMATURE_CLOSE';
      if (error && !gone && !isOkoError(error))
        this.log.warn({ err: error, sha256: expected.sha256 }, `reading a package blob failed (${doing})`);
    });
    return verified;
  }
}
