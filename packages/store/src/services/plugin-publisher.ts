import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { createError, type CatalogSource } from '@oko/shared';
import { packPluginDirectory, type PluginFiles } from '@oko/shared/archive';
import type { CatalogRecord } from './catalog-record.js';
import type { CatalogRepository } from './catalog-repository.js';
import { PACKAGE_FILE, type PluginStorage, type UploadFolder } from './plugin-storage.js';

/** What an importer hands over once a plugin sits validated in its upload folder. */
export interface StagedPlugin {
  pluginDir: string;
  files: PluginFiles;
  source: CatalogSource;
  sourceUrl: string | null;
  branch?: string;
  subdirectory?: string;
}

/** 12 hex characters: short enough to type, random so ids never say anything about the plugin. */
export function newCatalogId(): string {
  return randomBytes(6).toString('hex');
}

/**
 * The last steps every import shares: a fresh upload folder, the importer's own work, the
 * normalized download package, the catalog entry. Any failure removes the folder, so a refused
 * or interrupted import leaves the catalog and the storage as they were.
 */
export class PluginPublisher {
  constructor(
    private readonly catalog: CatalogRepository,
    private readonly storage: PluginStorage,
  ) {}

  assertWritable(): void {
    if (this.catalog.readOnlyReason) {
      throw createError('CATALOG_READ_ONLY', `The store catalog is read-only: ${this.catalog.readOnlyReason}`);
    }
  }

  async publish(prefix: string, stage: (folder: UploadFolder) => Promise<StagedPlugin>): Promise<CatalogRecord> {
    this.assertWritable();
    const folder = await this.storage.createUploadFolder(prefix);
    try {
      const staged = await stage(folder);
      await this.assertNew(staged.files);
      const pkg = await packPluginDirectory(staged.pluginDir, path.join(folder.path, PACKAGE_FILE));
      const record = this.recordOf(folder, staged, pkg);
      await this.catalog.add(record);
      return record;
    } catch (error) {
      await this.storage.removeUploadFolder(folder.name);
      throw error;
    }
  }

  /** Checked before packing to answer 409 early; the catalog checks again under its write lock. */
  private async assertNew({ manifest }: PluginFiles): Promise<void> {
    const same = (await this.catalog.list()).find((r) => r.name === manifest.name && r.version === manifest.version);
    if (same) {
      throw createError(
        'PLUGIN_ALREADY_EXISTS',
        `Plugin '${manifest.name}' version ${manifest.version} is already in the catalog (id ${same.id})`,
      );
    }
  }

  private recordOf(folder: UploadFolder, staged: StagedPlugin, pkg: { size: number; sha256: string }): CatalogRecord {
    const { manifest, ui } = staged.files;
    const record: CatalogRecord = {
      id: newCatalogId(),
      name: manifest.name,
      version: manifest.version,
      description: manifest.description ?? '',
      author: manifest.author ?? '',
      tags: manifest.tags ?? [],
      source: staged.source,
      source_url: staged.sourceUrl,
      manifest,
      ui,
      size: pkg.size,
      sha256: pkg.sha256,
      created_at: new Date().toISOString(),
      storage: { dir: folder.name, plugin_dir: path.relative(folder.path, staged.pluginDir).split(path.sep).join('/') },
    };
    if (staged.branch !== undefined) record.branch = staged.branch;
    if (staged.subdirectory !== undefined) record.subdirectory = staged.subdirectory;
    return record;
  }
}
