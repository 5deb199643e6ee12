import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { StorePluginPath } from '@oko/shared';
import { resolveInside } from '@oko/shared/archive';
import type { CatalogRecord, StorageRef } from './catalog-record.js';
import type { CatalogWriteStep } from './catalog-repository.js';

export const UPLOADS_DIR = 'uploads';
/** The normalized ZIP served by /download, cached beside extracted/. */
export const PACKAGE_FILE = 'package.zip';

/** A fresh upload folder, owned by one import until it is published or discarded. */
export interface UploadFolder {
  name: string;
  path: string;
}

/** A package written where its catalog row will point, held safe until that row is written. */
export interface StoredPackage {
  /** Runs in the transaction that inserts the catalog row (CatalogRepository.add): the blob's claim passes to the row. */
  step?: CatalogWriteStep;
  /** After the catalog write, whatever came of it: lets go of what protected the package meanwhile. */
  release(): Promise<void>;
}

/**
 * Packages kept apart from the upload folders, in S3-compatible storage (blobs/blob-storage.ts):
 * how a published one is found, read and downloaded when no folder of it exists.
 */
export interface BlobPackages {
  /** Where the package is (s3://bucket/key), for GET /plugins/{id}/path. */
  locate(record: CatalogRecord): StorePluginPath;
  /** A folder of the package's files (the plugin at its root), from this replica's cache. */
  filesOf(record: CatalogRecord): Promise<string>;
  /** The package's bytes as they stream from the bucket, ending in an error if they are not the published ones. */
  open(record: CatalogRecord): Promise<Readable>;
}

/**
 * The package files behind one small interface: the uploads/ layout of README.md, Storage layout,
 * on local disk; or packages in S3 with the upload folders as scratch space for imports
 * (docs/architecture.md, Packages in S3-compatible storage).
 */
export interface PluginStorage {
  /** null: a published package stays in its upload folder (local disk); else where packages are kept instead. */
  readonly blobs: BlobPackages | null;
  /** After packing, before the catalog write: makes the package durable where its row will point (on local disk it already is). */
  storePackage(folder: UploadFolder, pkg: { sha256: string; size: number }): Promise<StoredPackage>;
  /** Lets go of clients and connections (buildApp's onClose, through the backends). */
  close(): Promise<void>;
  /** Creates uploads/<prefix>_<YYYYMMDD_HHMMSS>[_n]/ for one import. */
  createUploadFolder(prefix: string): Promise<UploadFolder>;
  /** Absolute path of something inside an upload folder; throws if it would escape. */
  resolve(folder: string, relative?: string): string;
  pluginDir(ref: StorageRef): string;
  packageFile(ref: StorageRef): string;
  exists(file: string): Promise<boolean>;
  removeUploadFolder(name: string): Promise<void>;
  /** The names in uploads/. */
  listUploadFolders(): Promise<string[]>;
}

function timestamp(now: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${now.getUTCFullYear()}${p(now.getUTCMonth() + 1)}${p(now.getUTCDate())}_${p(now.getUTCHours())}${p(now.getUTCMinutes())}${p(now.getUTCSeconds())}`;
}

export class LocalPluginStorage implements PluginStorage {
  readonly uploadsPath: string;
  readonly blobs: BlobPackages | null = null;

  constructor(readonly storagePath: string) {
    this.uploadsPath = path.join(storagePath, UPLOADS_DIR);
  }

  async init(): Promise<void> {
    await mkdir(this.uploadsPath, { recursive: true });
  }

  async storePackage(_folder: UploadFolder, _pkg: { sha256: string; size: number }): Promise<StoredPackage> {
    return { release: async () => undefined };
  }

  async close(): Promise<void> {}

  async createUploadFolder(prefix: string): Promise<UploadFolder> {
    const base = `${prefix}_${timestamp(new Date())}`;
    // Several imports in one second get _2, _3, ...: mkdir without recursive fails on an existing name.
    for (let n = 1; ; n++) {
      const name = n === 1 ? base : `${base}_${n}`;
      const folder = path.join(this.uploadsPath, name);
      try {
        await mkdir(folder);
        return { name, path: folder };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
    }
  }

  resolve(folder: string, relative = '.'): string {
    return resolveInside(resolveInside(this.uploadsPath, folder), relative);
  }

  pluginDir(ref: StorageRef): string {
    return this.resolve(ref.dir, ref.plugin_dir);
  }

  packageFile(ref: StorageRef): string {
    return this.resolve(ref.dir, PACKAGE_FILE);
  }

  async exists(file: string): Promise<boolean> {
    return stat(file).then(
      () => true,
      () => false,
    );
  }

  async removeUploadFolder(name: string): Promise<void> {
    await rm(this.resolve(name), { recursive: true, force: true });
  }

  async listUploadFolders(): Promise<string[]> {
    return (await readdir(this.uploadsPath)).sort();
  }
}
