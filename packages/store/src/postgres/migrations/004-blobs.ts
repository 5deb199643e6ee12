import type { Migration } from '../migrations.js';

/** Blob claims for packages in S3 (the helper building the blob storage and its sweep fills this in). */
export const blobs: Migration = {
  version: 4,
  name: 'blobs',
  sql: `SELECT 1;`,
};
