import type { ReviewLimits, JsonReviewRepository } from '../services/review-repository.js';
import type { ChangeFeed } from './change-feed.js';
import type { Database } from './database.js';

/** Reviews in PostgreSQL (003-reviews-and-installs.ts): being built. */
export async function openPgReviews(_db: Database, _feed: ChangeFeed, _limits?: ReviewLimits): Promise<JsonReviewRepository> {
  throw new Error('PostgreSQL reviews are not built yet');
}
