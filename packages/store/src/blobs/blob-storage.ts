import type { FastifyBaseLogger } from 'fastify';
import type { BlobConfig } from '../config.js';
import type { Database } from '../postgres/database.js';
import type { PluginStorage } from '../services/plugin-storage.js';

/** Packages in S3-compatible storage, import work on local scratch disk: being built. */
export async function openBlobStorage(
  _config: BlobConfig,
  _db: Database,
  _scratchPath: string,
  _log: FastifyBaseLogger,
): Promise<PluginStorage> {
  throw new Error('S3 package storage is not built yet');
}
