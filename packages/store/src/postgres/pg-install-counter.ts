import type { FastifyBaseLogger } from 'fastify';
import type { InstallCounter } from '../services/install-counter.js';
import type { ChangeFeed } from './change-feed.js';
import type { Database } from './database.js';

/** Install counters in PostgreSQL (003-reviews-and-installs.ts): being built. */
export async function openPgInstalls(_db: Database, _feed: ChangeFeed, _log: FastifyBaseLogger): Promise<InstallCounter> {
  throw new Error('PostgreSQL install counters are not built yet');
}
