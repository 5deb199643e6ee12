import type { Migration } from '../migrations.js';

/**
 * Claims on packages in S3 (docs/architecture.md, Packages in S3-compatible storage). A publish
 * claims its package's SHA-256 before it writes the blob, and the transaction that inserts the
 * catalog row deletes that claim (blobs/blob-claims.ts); the sweep removes a blob only when no
 * catalog row names its SHA-256 and no claim protects it. Claims and the sweep's check take the
 * same advisory lock per SHA-256, so neither sees the other half done. A claim older than
 * OKO_STORE_SWEEP_GRACE_S belongs to a publish that died: the sweep drops it.
 */
export const blobs: Migration = {
  version: 4,
  name: 'blobs',
  sql: `
CREATE TABLE blob_claims (
  token      text PRIMARY KEY,
  sha256     text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  claimed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX blob_claims_sha256 ON blob_claims (sha256);
`,
};
