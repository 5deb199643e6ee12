import type { Migration } from '../migrations.js';

/** Reviews and install counters (the helper building the PostgreSQL review and install stores fills this in). */
export const reviewsAndInstalls: Migration = {
  version: 3,
  name: 'reviews-and-installs',
  sql: `SELECT 1;`,
};
