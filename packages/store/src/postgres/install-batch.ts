import type { InstallStats } from '@oko/shared';
import type { DownloaderLimits } from '../services/install-counter.js';
import { LOCKS } from './advisory-lock.js';
import type { Queryable } from './database.js';

/** Downloads of one name counted on this replica and not yet written, and who made them (key → version last taken). */
export interface PendingCounts {
  downloads: number;
  downloaders: Map<string, string>;
}

/**
 * Downloaders not yet known, in the order counted, each kept only while its name has fewer than
 * `perName` and all names fewer than `total` (as stats.json does one download at a time); those
 * past a cap are counted as downloads only.
 */
const ADD_DOWNLOADERS = `
WITH batch AS (
  SELECT b.name, b.key, b.version, b.ord
  FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS b(name, key, version, ord)
  WHERE NOT EXISTS (SELECT 1 FROM install_downloaders d WHERE d.name = b.name AND d.downloader_key = b.key)
), numbered_in_name AS (
  SELECT batch.*, coalesce(c.instances, 0) + row_number() OVER (PARTITION BY batch.name ORDER BY batch.ord) AS nth_of_name
  FROM batch LEFT JOIN install_counts c ON c.name = batch.name
), numbered_in_all AS (
  SELECT n.*, (SELECT coalesce(sum(instances), 0) FROM install_counts) + row_number() OVER (ORDER BY n.ord) AS nth_of_all
  FROM numbered_in_name n WHERE n.nth_of_name <= $4
)
INSERT INTO install_downloaders (name, downloader_key, version)
SELECT name, key, version FROM numbered_in_all WHERE nth_of_all <= $5
RETURNING name`;

/**
 * Writes one batch of counts in transaction `tx` and answers the stored totals of the names it
 * touched. Batches from every replica take one advisory lock in turn (one every few seconds per
 * replica), so the caps hold exactly and two batches never deadlock on the same rows.
 */
export async function writeInstallBatch(
  tx: Queryable,
  batch: ReadonlyMap<string, PendingCounts>,
  limits: DownloaderLimits,
): Promise<Map<string, InstallStats>> {
  await tx.query('SELECT pg_advisory_xact_lock($1)', [LOCKS.installCounts]);
  const names: string[] = [];
  const keys: string[] = [];
  const versions: string[] = [];
  for (const [name, counts] of batch) {
    for (const [key, version] of counts.downloaders) {
      names.push(name);
      keys.push(key);
      versions.push(version);
    }
  }
  const added = new Map<string, number>();
  if (names.length > 0) {
    // Those already known move to the version they took last, caps or not.
    await tx.query(
      `UPDATE install_downloaders d SET version = b.version
       FROM unnest($1::text[], $2::text[], $3::text[]) AS b(name, key, version)
       WHERE d.name = b.name AND d.downloader_key = b.key`,
      [names, keys, versions],
    );
    const { rows } = await tx.query<{ name: string }>(ADD_DOWNLOADERS, [names, keys, versions, limits.perName, limits.total]);
    for (const { name } of rows) added.set(name, (added.get(name) ?? 0) + 1);
  }
  const touched = [...batch.keys()];
  const { rows } = await tx.query<{ name: string; downloads: string; instances: number }>(
    `INSERT INTO install_counts (name, downloads, instances)
     SELECT * FROM unnest($1::text[], $2::bigint[], $3::integer[])
     ON CONFLICT (name) DO UPDATE SET
       downloads = install_counts.downloads + excluded.downloads, instances = install_counts.instances + excluded.instances
     RETURNING name, downloads, instances`,
    [touched, touched.map((name) => batch.get(name)?.downloads ?? 0), touched.map((name) => added.get(name) ?? 0)],
  );
  return new Map(rows.map((row) => [row.name, { downloads: Number(row.downloads), instances: row.instances }]));
}

/** Every name's stored totals: the mirror a replica answers from. */
export async function readInstallCounts(db: Queryable): Promise<Map<string, InstallStats>> {
  const { rows } = await db.query<{ name: string; downloads: string; instances: number }>(
    'SELECT name, downloads, instances FROM install_counts',
  );
  return new Map(rows.map((row) => [row.name, { downloads: Number(row.downloads), instances: row.instances }]));
}
