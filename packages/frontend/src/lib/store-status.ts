import type { StoreHealthReport, StoreHealthSummary } from '@oko/shared';

// The store's health in a user's words: for the store pill of the plugins page and for Settings'
// "Plugin store" panel, so both say the same. The store's own reason is a log line (a parser's
// message, an error code); it is shown as the detail under these words, never instead of them.

/**
 * What is wrong with the store, from the fields of its /health, most serious first; empty when
 * nothing is. The refused writes are not repeated here: read_only says that (storeWritesWords).
 */
export function storeProblems(health: StoreHealthSummary): string[] {
  const { database, blob_store } = health;
  const problems: string[] = [];
  if (database && !database.reachable) {
    problems.push("The store's database does not answer; the store serves the catalog from its last copy.");
  } else if (health.read_only) {
    // An embedded store goes read-only when its plugins.json is missing, unreadable or has bad records.
    problems.push("The store's catalog could not be read in full; it serves what it could read until an operator repairs it.");
  }
  if (blob_store && !blob_store.reachable) problems.push("The store's package storage does not answer; downloads and installs fail.");
  if (database?.reachable && !database.change_feed) {
    problems.push('The store is reconnecting to its other replicas; plugins published there may show late.');
  }
  if (problems.length === 0 && health.status === 'degraded') problems.push('The store reports a problem.');
  return problems;
}

/** What a read-only store still does for this dashboard: installs are downloads, which need the package storage. */
export function storeWritesWords(health: StoreHealthSummary): string {
  const refused = 'uploads, GitHub imports, deletions and reviews are refused';
  return health.blob_store?.reachable === false ? `The store is read-only: ${refused}.` : `Installing still works; ${refused}.`;
}

/**
 * The store's own health when it refuses writes and the listing reaches it; null when it takes
 * them, is away, or has not said yet. What the Store tab's notice and the sidebar's upload and
 * import buttons follow.
 */
export function readOnlyStore(available: boolean | null, health: StoreHealthReport | null): StoreHealthSummary | null {
  const summary = health?.available ? health.store : undefined;
  return available === true && summary?.read_only === true ? summary : null;
}

export type StoreStatusTone = 'checking' | 'online' | 'degraded' | 'unavailable';

export interface StoreStatus {
  tone: StoreStatusTone;
  /** The pill's words. */
  label: string;
  /** Why, for the tooltip and screen readers; none when online. */
  detail?: string;
}

/** What the plugins page knows of the store: its catalog listing (reachable or not) and its own /health. */
export interface StoreStatusSources {
  /** The listing reached the store; null before its first answer. */
  available: boolean | null;
  /** Why the listing did not reach it. */
  reason?: string | null;
  /** The last /store/health report; null before the first. */
  health: StoreHealthReport | null;
  /** A health read has ended (answered or failed), so a missing report is no longer a wait. */
  healthChecked: boolean;
}

const SEE_SETTINGS = 'Details: Settings → Plugin store.';

/**
 * The store pill's state. Reachability follows the listing, which the page re-reads every few
 * seconds and whose cards are on screen; degraded and read-only come from the store's /health,
 * read less often. Until that first read ends, a reachable store is still "checking" rather than
 * green for a moment and amber the next.
 */
export function storeStatus({ available, reason, health, healthChecked }: StoreStatusSources): StoreStatus {
  if (available === null) return { tone: 'checking', label: 'Store: checking', detail: 'Asking the plugin store…' };
  if (!available) {
    return { tone: 'unavailable', label: 'Store unavailable', detail: reason || 'The plugin store does not answer.' };
  }
  if (!healthChecked) return { tone: 'checking', label: 'Store: checking', detail: 'Asking the plugin store how it is…' };
  const summary = health?.available ? health.store : undefined;
  const readOnly = summary?.read_only === true;
  if (!summary || (summary.status !== 'degraded' && !readOnly)) return { tone: 'online', label: 'Store online' };
  const label = summary.status === 'degraded' ? (readOnly ? 'Store degraded · read-only' : 'Store degraded') : 'Store read-only';
  const lines = [...storeProblems(summary), ...(readOnly ? [storeWritesWords(summary)] : []), SEE_SETTINGS];
  return { tone: 'degraded', label, detail: lines.join(' ') };
}
