import { NO_INSTALLS } from '@oko/shared';
import type { NameStats, StatsTable } from './catalog-sort.js';
import type { InstallCounts } from './install-counter.js';
import type { ReviewRepository } from './review-repository.js';

/** What PluginCatalog asks of the stats on each read: whether a new epoch is due, and its table. */
export interface StatsSource {
  due(): boolean;
  fold(): StatsTable;
}

export const NO_STATS: StatsSource = { due: () => false, fold: () => new Map() };

/**
 * When ratings and install counts reach the catalog answers. Counters change with every download,
 * and each new epoch drops every cached answer and ETag, so they are taken at most once per
 * `intervalMs` (a "stats epoch"). A review changes the rating at once: reviews are rare writes,
 * like uploads, and the reviewer expects to see theirs counted.
 */
export class StatsFold implements StatsSource {
  private foldedAt = Number.NEGATIVE_INFINITY;
  private counted = -1;
  private reviewed = -1;

  constructor(
    private readonly counter: InstallCounts,
    private readonly reviews: ReviewRepository,
    private readonly intervalMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  due(): boolean {
    if (this.reviews.changes !== this.reviewed) return true;
    return this.counter.changes !== this.counted && this.now() - this.foldedAt >= this.intervalMs;
  }

  fold(): StatsTable {
    this.foldedAt = this.now();
    this.counted = this.counter.changes;
    this.reviewed = this.reviews.changes;
    const table = new Map<string, NameStats>();
    for (const name of this.counter.counted()) {
      table.set(name, { rating: this.reviews.ratingOf(name), installs: this.counter.statsOf(name) });
    }
    for (const name of this.reviews.rated()) {
      if (!table.has(name)) table.set(name, { rating: this.reviews.ratingOf(name), installs: NO_INSTALLS });
    }
    return table;
  }
}
