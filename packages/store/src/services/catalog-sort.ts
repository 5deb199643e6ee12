import type { CatalogSort, InstallStats, RatingSummary } from '@oko/shared';
import type { ListedRecord } from './catalog-view.js';

/** What one stats epoch knows of a plugin name. */
export interface NameStats {
  rating: RatingSummary;
  installs: InstallStats;
}
export type StatsTable = ReadonlyMap<string, NameStats>;

/** Larger first; 0 when equal, so the stable sort keeps the name order for ties. */
const desc = (a: number | string, b: number | string): number => (a < b ? 1 : a > b ? -1 : 0);

/**
 * `listed` (in name order) in `sort` order. Array sort is stable, so ties keep the name order,
 * and a name's versions (all_versions) stay together newest first except for `newest`, which
 * orders every version by its own created_at.
 */
export function orderBy(
  listed: readonly ListedRecord[],
  sort: Exclude<CatalogSort, 'name'>,
  statsOf: (name: string) => NameStats,
): readonly ListedRecord[] {
  if (sort === 'newest') return [...listed].sort((a, b) => desc(a.entry.created_at, b.entry.created_at));
  // The keys once per record, not once per comparison.
  const keyed = listed.map((record) => {
    const { rating, installs } = statsOf(record.entry.name);
    return { record, keys: sort === 'rating' ? [rating.average, rating.count] : [installs.instances, installs.downloads] };
  });
  keyed.sort((a, b) => desc(a.keys[0]!, b.keys[0]!) || desc(a.keys[1]!, b.keys[1]!));
  return keyed.map((k) => k.record);
}
