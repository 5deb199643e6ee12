import { checkSchema, formatIssues } from '@oko/shared';
import { Compile } from 'typebox/compile';
import { CatalogRecord, type Owner } from '../services/catalog-record.js';
import type { Queryable } from './database.js';

/** The catalog as one replica holds it in memory: what list(), get() and ownerOf() answer from. */
export interface CatalogSnapshot {
  /** The id of the last catalog_changes row it includes (0: none yet). */
  version: number;
  records: readonly CatalogRecord[];
  byId: ReadonlyMap<string, CatalogRecord>;
  owners: ReadonlyMap<string, Owner>;
}

/** A catalog row that cannot be served, and why. */
export interface SkippedRow {
  id: string;
  reason: string;
}

export interface CatalogRow {
  id: string;
  name: string;
  version: string;
  sha256: string;
  size: string;
  record: unknown;
}

/** Compiled once: a replica opening on 10,000 rows checks them in milliseconds (checkSchema, which explains, only for a bad one). */
const validRecord = Compile(CatalogRecord);

/**
 * A row read back is untrusted (a hand edit, a bad migration, another program): its record must be
 * a CatalogRecord and agree with the columns the constraints were checked on, or it is skipped.
 */
export function checkRow(row: CatalogRow): { record: CatalogRecord } | { reason: string } {
  if (!validRecord.Check(row.record)) {
    const issues = checkSchema(CatalogRecord, row.record, `catalog_records/${row.id}`);
    return { reason: issues.length > 0 ? formatIssues(issues.slice(0, 3)) : 'it is not a catalog record' };
  }
  const record = row.record as CatalogRecord;
  const differs = (['id', 'name', 'version', 'sha256'] as const).find((field) => record[field] !== row[field]);
  if (differs)
    return { reason: `its record's ${differs} ${JSON.stringify(record[differs])} is not the row's ${JSON.stringify(row[differs])}` };
  if (String(record.size) !== row.size) return { reason: `its record's size ${record.size} is not the row's ${row.size}` };
  return { record };
}

/**
 * Reads the catalog in one REPEATABLE READ transaction, so the records, the owners and the change
 * id all come from one snapshot: the version says exactly which writes the copy includes. A row is
 * never updated (a version's record is immutable: writes insert and delete), so the records `known`
 * already holds are kept as they are and only the other rows are fetched and checked: a reload
 * costs the list of ids plus what changed, not the whole catalog again.
 */
export async function readSnapshot(
  transaction: <T>(work: (tx: Queryable) => Promise<T>) => Promise<T>,
  known: ReadonlyMap<string, CatalogRecord>,
): Promise<{ snapshot: CatalogSnapshot; skipped: SkippedRow[] }> {
  return transaction(async (tx) => {
    await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
    const version = await tx.query<{ version: string }>('SELECT coalesce(max(id), 0) AS version FROM catalog_changes');
    const ids = (await tx.query<{ id: string }>('SELECT id FROM catalog_records ORDER BY created_at, id')).rows.map((r) => r.id);
    const missing = ids.filter((id) => !known.has(id));
    const rows =
      missing.length === 0
        ? []
        : (
            await tx.query<CatalogRow>(
              'SELECT id, name, version, sha256, size::text AS size, record FROM catalog_records WHERE id = ANY($1::text[])',
              [missing],
            )
          ).rows;
    const owners = await tx.query<{ name: string; owner_id: string; owner_name: string }>(
      'SELECT name, owner_id, owner_name FROM name_owners',
    );
    const fetched = new Map<string, CatalogRecord>();
    const skipped: SkippedRow[] = [];
    for (const row of rows) {
      const checked = checkRow(row);
      if ('reason' in checked) skipped.push({ id: row.id, reason: checked.reason });
      else fetched.set(row.id, checked.record);
    }
    const records = ids.flatMap((id) => known.get(id) ?? fetched.get(id) ?? []);
    return {
      snapshot: {
        version: Number(version.rows[0]?.version ?? 0),
        records,
        byId: new Map(records.map((r) => [r.id, r])),
        owners: new Map(owners.rows.map((o) => [o.name, { id: o.owner_id, name: o.owner_name }])),
      },
      skipped,
    };
  });
}

/** The snapshot after this replica's own write `version`, without reading the catalog again. */
export function applyChange(
  from: CatalogSnapshot,
  version: number,
  change: { added: CatalogRecord; owner: Owner } | { removed: string },
): CatalogSnapshot {
  if ('added' in change) {
    const records = [...from.records, change.added];
    const owners = new Map(from.owners).set(change.added.name, change.owner);
    return { version, records, byId: new Map(from.byId).set(change.added.id, change.added), owners };
  }
  const records = from.records.filter((r) => r.id !== change.removed);
  const byId = new Map(from.byId);
  byId.delete(change.removed);
  return { version, records, byId, owners: from.owners };
}
