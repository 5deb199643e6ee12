import { createError, type AlreadyPublished } from '@oko/shared';
import type { CatalogRecord, Owner } from '../services/catalog-record.js';
import { notifyChange } from './change-feed.js';
import type { Queryable } from './database.js';

/*
 * The SQL steps of a catalog write (pg-catalog-repository.ts runs them in one transaction): the
 * name's owner row, the version's row, the change id and its NOTIFY.
 */

/** catalog_changes rows kept: only the newest id is read, the rest are a short trail for whoever debugs. */
const KEPT_CHANGES = 1000;

export function alreadyExists(record: CatalogRecord, same: { id: string; name: string; version: string }) {
  return createError(
    'PLUGIN_ALREADY_EXISTS',
    `Plugin '${record.name}' version ${record.version} is already in the catalog (id ${same.id})`,
    {
      details: { plugin_id: same.id, name: same.name, version: same.version } satisfies AlreadyPublished,
    },
  );
}

/** The row of `name` at version_key `key`, if any. */
export async function versionRow(
  db: Queryable,
  name: string,
  key: string,
): Promise<{ id: string; name: string; version: string } | undefined> {
  const { rows } = await db.query<{ id: string; name: string; version: string }>(
    'SELECT id, name, version FROM catalog_records WHERE name = $1 AND version_key = $2',
    [name, key],
  );
  return rows[0];
}

/**
 * The name's owner, locked for this transaction (FOR UPDATE), so every write of one name runs
 * after the other: `by` becomes the owner when nobody is (null: only look). Two replicas racing
 * for a new name both INSERT; the loser's ON CONFLICT waits for the winner's commit, then reads
 * the winner's row. A name with records but no owner row is the admin's, as in plugins.json.
 */
export async function claimName(tx: Queryable, name: string, by: Owner | null): Promise<Owner | undefined> {
  await tx.query(
    `INSERT INTO name_owners (name, owner_id, owner_name)
     SELECT $1, o.id, o.name FROM (
       SELECT 'admin' AS id, 'admin' AS name WHERE EXISTS (SELECT 1 FROM catalog_records WHERE name = $1)
       UNION ALL
       SELECT $2::text, $3::text WHERE $2::text IS NOT NULL AND NOT EXISTS (SELECT 1 FROM catalog_records WHERE name = $1)
     ) AS o
     ON CONFLICT (name) DO NOTHING`,
    [name, by?.id ?? null, by?.name ?? null],
  );
  const { rows } = await tx.query<{ owner_id: string; owner_name: string }>(
    'SELECT owner_id, owner_name FROM name_owners WHERE name = $1 FOR UPDATE',
    [name],
  );
  return rows[0] && { id: rows[0].owner_id, name: rows[0].owner_name };
}

/**
 * Change ids in commit order: the table lock (taken last, held to COMMIT) lets one writer at a
 * time take an id, so a replica whose copy includes change N includes every change before it and
 * can skip a notification of an id it has passed. Plain reads of the table are not blocked.
 */
export async function recordChange(tx: Queryable): Promise<number> {
  await tx.query('LOCK TABLE catalog_changes IN EXCLUSIVE MODE');
  const { rows } = await tx.query<{ id: string }>('INSERT INTO catalog_changes DEFAULT VALUES RETURNING id');
  const id = Number(rows[0]!.id);
  await tx.query('DELETE FROM catalog_changes WHERE id <= $1', [id - KEPT_CHANGES]);
  await notifyChange(tx, 'oko_catalog', String(id));
  return id;
}
