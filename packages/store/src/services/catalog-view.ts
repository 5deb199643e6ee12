import type { CatalogEntry, CatalogSummary, StorePluginList, StorePluginListQuery } from '@oko/shared';
import semver from 'semver';
import { toCatalogEntry, type CatalogRecord } from './catalog-record.js';

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

/** One listed entry as list and search need it. */
interface ListedRecord {
  entry: CatalogEntry & Pick<CatalogSummary, 'versions_count'>;
  /** name, description, author and tags, lower-cased: what `q` is matched in. */
  text: string[];
  tags: string[];
}

/**
 * The catalog sorted by name, newest version first, for the `records` array it was built from:
 * built once per catalog change (the repository hands out a new array on every write), never per
 * request, so a list of one entry per name costs what the list of every version did.
 */
export interface CatalogView {
  source: readonly CatalogRecord[];
  /** Every version (`all_versions=true`). */
  versions: ListedRecord[];
  /** One entry per name, its newest version (newestOf), with versions_count; q and tag match the newest's fields. */
  names: ListedRecord[];
  /** Each name's records, newest first. */
  byName: Map<string, CatalogRecord[]>;
  /** Each record by catalog id. */
  byId: Map<string, CatalogRecord>;
}

function listed(record: CatalogRecord, versionsCount?: number): ListedRecord {
  const tags = record.tags.map((t) => t.toLowerCase());
  const entry = toCatalogEntry(record);
  return {
    entry: versionsCount === undefined ? entry : { ...entry, versions_count: versionsCount },
    text: [record.name, record.description, record.author].map((f) => f.toLowerCase()).concat(tags),
    tags,
  };
}

export function buildView(source: readonly CatalogRecord[]): CatalogView {
  const sorted = [...source].sort(byNameThenNewest);
  const byName = new Map<string, CatalogRecord[]>();
  for (const record of sorted) {
    const same = byName.get(record.name);
    if (same) same.push(record);
    else byName.set(record.name, [record]);
  }
  const names = [...byName.values()].map((records) => listed(newestOf(records) as CatalogRecord, records.length));
  const byId = new Map(source.map((record) => [record.id, record]));
  return { source, versions: sorted.map((record) => listed(record)), names, byName, byId };
}

/** What of a list query decides its answer: two queries with the same normalized form get the same bytes. */
export function normalizedQuery(query: StorePluginListQuery): { text: string; tag: string; all: boolean; page: number; perPage: number } {
  return {
    text: query.q?.trim().toLowerCase() ?? '',
    tag: query.tag?.trim().toLowerCase() ?? '',
    all: query.all_versions === true,
    page: query.page,
    perPage: query.per_page,
  };
}

export function searchView(view: CatalogView, query: StorePluginListQuery): StorePluginList {
  const { text, tag, all } = normalizedQuery(query);
  const listed = all ? view.versions : view.names;
  const matches =
    text || tag ? listed.filter((r) => (!tag || r.tags.includes(tag)) && (!text || r.text.some((field) => field.includes(text)))) : listed;
  const start = (query.page - 1) * query.per_page;
  return {
    plugins: matches.slice(start, start + query.per_page).map((r) => r.entry),
    total: matches.length,
    page: query.page,
    per_page: query.per_page,
  };
}
