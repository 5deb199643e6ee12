import type { PublisherRepository } from '../services/publisher-repository.js';
import type { Database } from './database.js';

/** Tokens in PostgreSQL (002-publishers.ts): being built. */
export async function openPgPublishers(_db: Database): Promise<PublisherRepository> {
  throw new Error('PostgreSQL tokens are not built yet');
}
