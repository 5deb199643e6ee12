import {
  NO_INSTALLS,
  NO_RATING,
  pluginDisplayName,
  type CatalogEntry,
  type CatalogSort,
  type CatalogSummary,
  type StorePluginList,
  type StorePluginListQuery,
} from '@oko/shared';
import semver from 'semver';
import { toCatalogEntry, type CatalogRecord } from './catalog-record.js';
import { orderBy, type NameStats, type StatsTable } from './catalog-sort.js';

export type { NameStats, StatsTable } from './catalog-sort.js';

/**
 * Semver order, newest first; a version that is not semver (only a hand-edited plugins.json or
 * entry record has one) sorts after the valid ones instead of throwing for the whole catalog.
 */
function newestVersionFirst(a: string, b: string): number {
  const validA = semver.valid(a) !== null;
  const validB = semver.valid(b) !== null;
  if (validA && validB) return semver.rcompare(a, b);
  return validA === validB ? (a < b ? 1 : a > b ? -1 : 0) : validA ? -1 : 1;
}

function byNameThenNewest(a: CatalogRecord, b: CatalogRecord): number {
  return a.name === b.name ? newestVersionFirst(a.version, b.version) : a.name < b.name ? -1 : 1;
}

/**
 * What a plugin name stands for (its card, GET /plugins/{name}, an install or update by name): its
 * highest release, a prerelease only when the name has no release, as the dashboard's update
 * checks never move a release to a prerelease (npm's `latest` likewise). `records` newest first.
 */
export function newestOf(records: readonly CatalogRecord[]): CatalogRecord | undefined {
  return records.find((r) => semver.valid(r.version) !== null && semver.prerelease(r.version) === null) ?? records[0];
}

/** One listed entry as list, search and sort need it. */
export interface ListedRecord {
  /** Without rating and installs: those are the stats epoch's, added to the page's entries only. */
  entry: CatalogEntry & Pick<CatalogSummary, 'versions_count'>;
  /** name, display name, description, author and tags, lower-cased: what `q` is matched in. */
  text: string[];
  tags: string[];
  /** The name's display name (its newest version's), lower-cased: what sort=name orders by, then `entry.name`. */
  sortName: string;
}

/**
 * The catalog sorted by display name, then name, newest version first, for the `records` array it
 * was built from: built once per catalog change (the repository hands out a new array on every
 * write), never per request, so a list of one entry per name costs what the list of every version did.
 */
export interface CatalogBase {
  source: readonly CatalogRecord[];
  /** Every version (`all_versions=true`), each name's versions together, newest first. */
  versions: ListedRecord[];
  /** One entry per name, its newest version (newestOf), with versions_count; q and tag match the newest's fields. */
  names: ListedRecord[];
  /** Each name's records, newest first. */
  byName: Map<string, CatalogRecord[]>;
  /** Each record by catalog id. */
  byId: Map<string, CatalogRecord>;
}

/** The catalog with one stats epoch's ratings and install counts: what every catalog answer of that epoch is made from. */
export interface CatalogView extends CatalogBase {
  statsOf(name: string): NameStats;
  /** The list in `sort` order: computed on the first ask in this epoch and kept, never per request. */
  ordered(sort: CatalogSort, all: boolean): readonly ListedRecord[];
}

/** What a record shows in every list, made once per record: a record is never changed in place. */
const described = new WeakMap<CatalogRecord, Pick<ListedRecord, 'entry' | 'text' | 'tags'>>();

/**
 * A catalog change rebuilds the view (buildView) on the event loop; converting each record again
 * (toCatalogEntry checks manifest fields against their schemas) made that 50–120 ms for 1,000
 * plugins, with every list request waiting (issue 17). Now only new records are converted.
 */
function describe(record: CatalogRecord): Pick<ListedRecord, 'entry' | 'text' | 'tags'> {
  let known = described.get(record);
  if (!known) {
    const tags = record.tags.map((t) => t.toLowerCase());
    const entry = toCatalogEntry(record);
    const text = [record.name, entry.display_name ?? '', record.description, record.author].map((f) => f.toLowerCase()).concat(tags);
    described.set(record, (known = { entry, text, tags }));
  }
  return known;
}

function listed(record: CatalogRecord, sortName: string, versionsCount?: number): ListedRecord {
  const { entry, text, tags } = describe(record);
  return { entry: versionsCount === undefined ? entry : { ...entry, versions_count: versionsCount }, text, tags, sortName };
}

function bySortName(a: ListedRecord, b: ListedRecord): number {
  if (a.sortName !== b.sortName) return a.sortName < b.sortName ? -1 : 1;
  return a.entry.name < b.entry.name ? -1 : a.entry.name > b.entry.name ? 1 : 0;
}

export function buildView(source: readonly CatalogRecord[]): CatalogBase {
  const byName = new Map<string, CatalogRecord[]>();
  for (const record of [...source].sort(byNameThenNewest)) {
    const same = byName.get(record.name);
    if (same) same.push(record);
    else byName.set(record.name, [record]);
  }
  const names = [...byName.values()].map((records) => {
    const newest = newestOf(records) as CatalogRecord;
    return listed(newest, pluginDisplayName(newest).toLowerCase(), records.length);
  });
  names.sort(bySortName);
  const versions = names.flatMap((head) => (byName.get(head.entry.name) ?? []).map((record) => listed(record, head.sortName)));
  const byId = new Map(source.map((record) => [record.id, record]));
  return { source, versions, names, byName, byId };
}

/** The base with one epoch's stats; sorted lists are made on demand and kept with it. */
export function withStats(base: CatalogBase, stats: StatsTable): CatalogView {
  const orders = new Map<string, readonly ListedRecord[]>();
  const statsOf = (name: string): NameStats => stats.get(name) ?? { rating: NO_RATING, installs: NO_INSTALLS };
  return {
    ...base,
    statsOf,
    ordered(sort, all) {
      const listed = all ? base.versions : base.names;
      if (sort === 'name') return listed;
      const key = `${sort}\n${all}`;
      let order = orders.get(key);
      if (!order) orders.set(key, (order = orderBy(listed, sort, statsOf)));
      return order;
    },
  };
}

/** What of a list query decides its answer: two queries with the same normalized form get the same bytes. */
export function normalizedQuery(query: StorePluginListQuery): {
  text: string;
  tag: string;
  all: boolean;
  sort: CatalogSort;
  page: number;
  perPage: number;
} {
  return {
    text: query.q?.trim().toLowerCase() ?? '',
    tag: query.tag?.trim().toLowerCase() ?? '',
    all: query.all_versions === true,
    sort: query.sort ?? 'name',
    page: query.page,
    perPage: query.per_page,
  };
}

/**
 * The answer cache's key of a list query: equal for queries with the same normalized form, and
 * built by concatenation (the tag length-prefixed, the free text last, so no two forms collide),
 * as a JSON.stringify of the normalized form per request showed in the list route's profile.
 */
export function listKey(query: StorePluginListQuery): string {
  const { text, tag, all, sort, page, perPage } = normalizedQuery(query);
  return `list\n${all}\n${sort}\n${page}\n${perPage}\n${tag.length}\n${tag}\n${text}`;
}

export function searchView(view: CatalogView, query: StorePluginListQuery): StorePluginList {
  const { text, tag, all, sort } = normalizedQuery(query);
  const listed = view.ordered(sort, all);
  const matches =
    text || tag ? listed.filter((r) => (!tag || r.tags.includes(tag)) && (!text || r.text.some((field) => field.includes(text)))) : listed;
  const start = (query.page - 1) * query.per_page;
  return {
    plugins: matches.slice(start, start + query.per_page).map((r) => ({ ...r.entry, ...view.statsOf(r.entry.name) })),
    total: matches.length,
    page: query.page,
    per_page: query.per_page,
  };
}
