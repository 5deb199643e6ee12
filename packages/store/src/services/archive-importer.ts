import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ArchiveLimits, ArchiveThread } from '@oko/shared/archive';
import { ByteLimit, IdleTimeout, UPLOAD_BUFFER_BYTES, UPLOAD_STEP_BYTES } from '../lib/streams.js';
import { ADMIN, type CatalogRecord, type Owner } from './catalog-record.js';
import type { PluginPublisher } from './plugin-publisher.js';

export const UPLOADED_ZIP = 'plugin.zip';
export const EXTRACTED_DIR = 'extracted';

export interface ArchiveImporterOptions {
  maxPluginSizeBytes: number;
  uploadIdleTimeoutMs: number;
  limits: ArchiveLimits;
}

/** Imports a plugin ZIP: uploads/zip_<timestamp>/plugin.zip, checked and unpacked into extracted/. */
export class ArchiveImporter {
  constructor(
    private readonly publisher: PluginPublisher,
    private readonly thread: ArchiveThread,
    private readonly options: ArchiveImporterOptions,
  ) {}

  /** Streams an upload to disk (never whole in memory), cut off at the size limit or when idle. */
  importStream(source: Readable, by: Owner): Promise<CatalogRecord> {
    return this.publisher.publish('zip', by, async (folder) => {
      const zipPath = path.join(folder.path, UPLOADED_ZIP);
      await pipeline(
        source,
        new IdleTimeout(this.options.uploadIdleTimeoutMs, UPLOAD_STEP_BYTES),
        new ByteLimit(this.options.maxPluginSizeBytes, UPLOAD_STEP_BYTES),
        createWriteStream(zipPath, { flags: 'wx', highWaterMark: UPLOAD_BUFFER_BYTES }),
      );
      return this.unpack(zipPath, folder.path);
    });
  }

  /** Imports a package file from disk with the same checks as an upload (used to seed a catalog, as the admin). */
  importFile(zipPath: string, by: Owner = ADMIN): Promise<CatalogRecord> {
    return this.importStream(createReadStream(zipPath), by);
  }

  private async unpack(zipPath: string, folderPath: string) {
    const dest = path.join(folderPath, EXTRACTED_DIR);
    await mkdir(dest);
    // Hashed beside the extraction, on the archive thread: a ZIP made by `oko-plugin pack` is its own
    // package, and the publisher then links it instead of packing again.
    const { plugin, sha256 } = await this.thread.run('extractUpload', zipPath, dest, this.options.limits);
    const candidate = { file: zipPath, sha256 };
    return { pluginDir: plugin.pluginDir, files: plugin, source: 'zip_upload' as const, sourceUrl: null, candidate };
  }
}
