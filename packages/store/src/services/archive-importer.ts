import { createReadStream } from 'node:fs';
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

  /**
   * Streams an upload to disk (never whole in memory), cut off at the size limit or when idle. The
   * archive thread reads it close behind, hashes it and extracts its stored files while it arrives,
   * so a big upload is mostly unpacked when its last byte is in (ArchiveThread.receive).
   * `onCutOff` runs when the upload fails before its end and must wait for the thread.
   */
  importStream(source: Readable, by: Owner, onCutOff?: () => void): Promise<CatalogRecord> {
    return this.publisher.publish('zip', by, async (folder) => {
      const zipPath = path.join(folder.path, UPLOADED_ZIP);
      const dest = path.join(folder.path, EXTRACTED_DIR);
      await mkdir(dest);
      const upload = this.thread.receive(zipPath, dest, this.options.limits, UPLOAD_BUFFER_BYTES);
      try {
        await pipeline(
          source,
          new IdleTimeout(this.options.uploadIdleTimeoutMs, UPLOAD_STEP_BYTES),
          new ByteLimit(this.options.maxPluginSizeBytes, UPLOAD_STEP_BYTES),
          upload.writer,
        );
      } catch (error) {
        // The folder goes once the thread has closed its files in it, if it has any (a thread that
        // never heard of the upload has none). Meanwhile the rest of the body must not be read and
        // dropped at full speed: a thread still starting took a second, and a test's client sent
        // 125 MB in it. The caller stops reading it (onCutOff); the error handler's bound applies after.
        if (upload.writer.toldAny) {
          onCutOff?.();
          await upload.result.catch(() => undefined);
        }
        throw error;
      }
      const { plugin, sha256 } = await upload.result;
      // A ZIP made by `oko-plugin pack` is its own package: the publisher then links it instead of packing again.
      const candidate = { file: zipPath, sha256 };
      return { pluginDir: plugin.pluginDir, files: plugin, source: 'zip_upload' as const, sourceUrl: null, candidate };
    });
  }

  /** Imports a package file from disk with the same checks as an upload (used to seed a catalog, as the admin). */
  importFile(zipPath: string, by: Owner = ADMIN): Promise<CatalogRecord> {
    return this.importStream(createReadStream(zipPath), by);
  }
}
