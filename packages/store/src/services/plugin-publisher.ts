import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { createError, sameVersion, type AlreadyPublished, type CatalogSignature, type CatalogSource } from '@oko/shared';
import { excludedFromPackage, type ArchiveThread, type PackCandidate, type PluginFiles } from '@oko/shared/archive';
import type { FastifyBaseLogger } from 'fastify';
import type { CatalogRecord, Owner } from './catalog-record.js';
import { assertOwner, type CatalogRepository } from './catalog-repository.js';
import { writeEntryRecord } from './entry-records.js';
import { readPackageDocs } from './package-docs.js';
import { checkPackageSignature } from './package-signature.js';
import { PACKAGE_FILE, type PluginStorage, type UploadFolder } from './plugin-storage.js';

/** What an importer hands over once a plugin sits validated in its upload folder. */
export interface StagedPlugin {
  pluginDir: string;
  files: PluginFiles;
  source: CatalogSource;
  sourceUrl: string | null;
  branch?: string;
  subdirectory?: string;
  /**
   * A source folder such as a GitHub repository: `oko-plugin pack`'s exclusions (excludedFromPackage)
   * are left out of the served package, and so of what its signature must list. Not for an upload.
   */
  sourceFolder?: boolean;
  /** A ZIP that may already be the package, byte for byte (an upload): linked when it is, instead of packing. */
  candidate?: PackCandidate;
}

/**
 * 12 hex characters: short enough to type, random so ids never say anything about the plugin. An id
 * can also be a valid plugin name (one starting with a-f, e.g. `deadbeef0042`): that is why the
 * shared manifest validator refuses names of this shape (hasCatalogIdShape), so a path segment
 * that {id} routes accept is never both an id and a name.
 */
export function newCatalogId(): string {
  return randomBytes(6).toString('hex');
}

/**
 * The last steps every import shares: a fresh upload folder, the importer's own work, the
 * normalized download package, the catalog entry, then the folder's own copy of that entry
 * (entry.json, for `npm run store:recover`). Any failure before the catalog write removes the
 * folder, so a refused or interrupted import leaves the catalog and the storage as they were.
 */
export class PluginPublisher {
  constructor(
    private readonly catalog: CatalogRepository,
    private readonly storage: PluginStorage,
    private readonly log: FastifyBaseLogger,
    private readonly thread: ArchiveThread,
  ) {}

  assertWritable(): void {
    if (this.catalog.readOnlyReason) {
      throw createError('CATALOG_READ_ONLY', `The store catalog is read-only: ${this.catalog.readOnlyReason}`);
    }
  }

  /** `by` is who publishes: the owner check runs early (before packing) and again, atomically, in the catalog write. */
  async publish(prefix: string, by: Owner, stage: (folder: UploadFolder) => Promise<StagedPlugin>): Promise<CatalogRecord> {
    return (await this.stageAndAdd(prefix, by, stage)).record;
  }

  /**
   * A refresh of a tracked plugin: the manifest must still name `name`, and a version already listed
   * with the same package (same normalized SHA-256) is `unchanged`: nothing is written and the folder
   * goes. The same version with another package is PLUGIN_ALREADY_EXISTS, as for any publish.
   */
  async republish(
    prefix: string,
    by: Owner,
    name: string,
    stage: (folder: UploadFolder) => Promise<StagedPlugin>,
  ): Promise<{ status: 'published' | 'unchanged'; record: CatalogRecord }> {
    return this.stageAndAdd(prefix, by, stage, name);
  }

  private async stageAndAdd(
    prefix: string,
    by: Owner,
    stage: (folder: UploadFolder) => Promise<StagedPlugin>,
    refreshOf?: string,
  ): Promise<{ status: 'published' | 'unchanged'; record: CatalogRecord }> {
    this.assertWritable();
    const folder = await this.storage.createUploadFolder(prefix);
    let record: CatalogRecord;
    try {
      const staged = await stage(folder);
      const { manifest } = staged.files;
      if (refreshOf !== undefined && manifest.name !== refreshOf) {
        throw createError(
          'INVALID_MANIFEST',
          `The source of '${refreshOf}' now holds plugin '${manifest.name}': a refresh publishes only '${refreshOf}' (import the other plugin on its own)`,
        );
      }
      const same = await this.listed(staged.files);
      if (same && refreshOf === undefined) throw alreadyExists(same);
      assertOwner(await this.catalog.ownerOf(manifest.name), by, manifest.name, 'publish its versions');
      const exclude = staged.sourceFolder ? excludedFromPackage : undefined;
      const signature = await checkPackageSignature(staged.pluginDir, manifest, exclude);
      const pkg = await this.thread.run('pack', staged.pluginDir, path.join(folder.path, PACKAGE_FILE), {
        sourceFolder: staged.sourceFolder === true,
        candidate: staged.candidate,
      });
      if (same) {
        // Packing is deterministic (fixed times and modes, sorted entries): equal hashes mean equal content.
        if (same.sha256 !== pkg.sha256) throw alreadyExists(same, ' with other content (versions are immutable: raise the version)');
        await this.storage.removeUploadFolder(folder.name);
        return { status: 'unchanged', record: same };
      }
      const docs = await readPackageDocs(staged.pluginDir, manifest.version);
      // Before the row, so a row never names a package that is not stored (in S3: written, read back and checked).
      const stored = await this.storage.storePackage(folder, pkg);
      try {
        record = await this.catalog.add({ ...recordOf(folder, staged, pkg, new Date(), signature), ...docs }, by, stored.step);
      } finally {
        await stored.release();
      }
    } catch (error) {
      await this.storage.removeUploadFolder(folder.name);
      throw error;
    }
    // With packages in S3 the folder was scratch space: the package and the row are all there is.
    if (this.storage.blobs) {
      await this.storage.removeUploadFolder(folder.name).catch((error: unknown) => {
        this.log.warn({ err: error, dir: folder.name }, 'published, but its scratch folder could not be removed; the sweep will');
      });
      return { status: 'published', record };
    }
    // After the catalog write, so a folder with a record is always a published one (upload-sweep.ts). A failure here
    // does not undo the publish: the next start writes the record from the catalog.
    await writeEntryRecord(folder.path, record).catch((error: unknown) => {
      this.log.warn({ err: error, id: record.id, dir: folder.name }, 'published, but the entry record could not be written');
    });
    return { status: 'published', record };
  }

  /** Checked before packing to answer early; the catalog checks again under its write lock. */
  /** The listed version of this package, if any; asked again after a refresh before it refuses (another replica may have just deleted it). */
  private async listed({ manifest }: PluginFiles): Promise<CatalogRecord | undefined> {
    const find = async () => (await this.catalog.list()).find((r) => r.name === manifest.name && sameVersion(r.version, manifest.version));
    if (!(await find()) || !this.catalog.refresh) return find();
    await this.catalog.refresh();
    return find();
  }
}

function alreadyExists(same: CatalogRecord, why = '') {
  return createError(
    'PLUGIN_ALREADY_EXISTS',
    `Plugin '${same.name}' version ${same.version} is already in the catalog (id ${same.id})${why}`,
    { details: { plugin_id: same.id, name: same.name, version: same.version } satisfies AlreadyPublished },
  );
}

/** A new catalog record for a validated plugin in `folder`, its package packed (also used by a recovery). */
export function recordOf(
  folder: UploadFolder,
  staged: StagedPlugin,
  pkg: { size: number; sha256: string },
  createdAt = new Date(),
  signature: CatalogSignature = null,
): CatalogRecord {
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
    created_at: createdAt.toISOString(),
    signature,
    storage: { dir: folder.name, plugin_dir: path.relative(folder.path, staged.pluginDir).split(path.sep).join('/') },
  };
  if (staged.branch !== undefined) record.branch = staged.branch;
  if (staged.subdirectory !== undefined) record.subdirectory = staged.subdirectory;
  return record;
}
