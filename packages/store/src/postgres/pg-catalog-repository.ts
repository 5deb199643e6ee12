import type { FastifyBaseLogger } from 'fastify';
import type { CatalogRepository } from '../services/catalog-repository.js';
import type { ChangeFeed } from './change-feed.js';
import type { Database } from './database.js';

/** The catalog in PostgreSQL (001-catalog.ts): being built. */
export async function openPgCatalog(_db: Database, _feed: ChangeFeed, _log: FastifyBaseLogger): Promise<CatalogRepository> {
  throw new Error('The PostgreSQL catalog is not built yet');
}
