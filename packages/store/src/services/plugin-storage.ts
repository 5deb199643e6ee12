import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { resolveInside } from '@oko/shared/archive';
import type { StorageRef } from './catalog-record.js';

export const UPLOADS_DIR = 'uploads';
/** The normalized ZIP served by /download, cached beside extracted/. */
export const PACKAGE_FILE = 'package.zip';

/** A fresh upload folder, owned by one import until it is published or discarded. */
export interface UploadFolder {
  name: string;
  path: string;
}

/**
 * The package files behind one small interface (the uploads/ layout of README.md, Storage layout, on local disk today;
 * object storage later: docs/architecture.md#growing-past-one-machine).
 */
export interface PluginStorage {
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

  constructor(readonly storagePath: string) {
    this.uploadsPath = path.join(storagePath, UPLOADS_DIR);
  }

  async init(): Promise<void> {
    await mkdir(this.uploadsPath, { recursive: true });
  }

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
