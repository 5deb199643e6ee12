import { randomUUID } from 'node:crypto';
import { createError } from '@oko/shared';
import type { Database, Queryable } from '../postgres/database.js';
import { withDatabase } from '../postgres/unavailable.js';

/**
 * Advisory lock space of one SHA-256 (two-key form, so it never meets LOCKS' one-key locks):
 * taken by a claim and by the sweep's check-and-delete of that SHA-256, in their transactions.
 */
const BLOB_LOCK_SPACE = 0x6f6b6f12;

/** Waits for, then holds until COMMIT, the lock of one SHA-256. */
export async function lockBlob(tx: Queryable, sha256: string): Promise<void> {
  await tx.query('SELECT pg_advisory_xact_lock($1::int, hashtext($2))', [BLOB_LOCK_SPACE, sha256]);
}

/**
 * Claims a package before its blob is written: while the claim lives the sweep keeps the blob
 * (blob-sweep.ts). Under the SHA-256's lock, so a sweep that is deleting that very blob finishes
 * (and commits) first, and the put that follows writes it again.
 */
export async function claimBlob(db: Database, sha256: string): Promise<string> {
  const token = randomUUID();
  await withDatabase(() =>
    db.transaction(async (tx) => {
      await lockBlob(tx, sha256);
      await tx.query('INSERT INTO blob_claims (token, sha256) VALUES ($1, $2)', [token, sha256]);
    }),
  );
  return token;
}

/** Drops a claim (after the catalog write, whatever its outcome); a claim the row's transaction consumed is already gone. */
export async function releaseClaim(db: Queryable, token: string): Promise<void> {
  await db.query('DELETE FROM blob_claims WHERE token = $1', [token]);
}

/**
 * The step the catalog's insert transaction runs (CatalogRepository.add's `step`): it deletes the
 * claim, and fails (rolling the insert back) if the claim is gone, i.e. the sweep found it older
 * than the grace and may have removed the blob. So a row commits only while its blob is protected,
 * and after that the row itself protects it.
 */
export function consumeClaim(token: string): (tx: Queryable) => Promise<void> {
  return async (tx) => {
    const { rowCount } = await tx.query('DELETE FROM blob_claims WHERE token = $1', [token]);
    if (rowCount !== 1) {
      throw createError(
        'BLOB_STORAGE_UNAVAILABLE',
        "The publish took longer than OKO_STORE_SWEEP_GRACE_S and lost its claim on the package's blob; nothing was listed. Publish again",
      );
    }
  };
}
