import type { FastifyBaseLogger } from 'fastify';
import type { StoreConfig } from '../config.js';
import { openBackends } from '../services/backends.js';
import { MigrationRefused, readEmbeddedStore } from './read-embedded.js';
import { writeToTarget, type MigrationReport } from './write-target.js';

export { MigrationRefused, type MigrationReport };

/**
 * `npm run store:migrate -- --from <folder>`: the embedded store in `from` (read, checked, never
 * written) into the store `config` describes, which must be PostgreSQL (with packages in S3 when
 * OKO_STORE_BLOB_URL is set, else in OKO_STORE_STORAGE_PATH's upload folders). Everything is read
 * and checked before the first write, so a refused source leaves the target untouched.
 */
export async function migrateEmbeddedStore(from: string, config: StoreConfig, log: FastifyBaseLogger): Promise<MigrationReport> {
  if (!config.database) throw new MigrationRefused('OKO_STORE_DATABASE_URL is not set: store:migrate moves a store into PostgreSQL');
  const source = await readEmbeddedStore(from);
  const target = await openBackends(config, log);
  try {
    return await writeToTarget(source, target, config.storagePath);
  } finally {
    await target.close();
  }
}
