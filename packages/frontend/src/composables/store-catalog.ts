import { computed, ref } from 'vue';
import type { CatalogSort, InstallAnswer, InstallRequest, UpdateRequest } from '@oko/shared';
import { messageOf } from '../api/client.js';
import { runOperation } from '../api/plugins.js';
import { installFromStore, listStore, updateFromStore } from '../api/store.js';
import type { StorePlugin } from '../api/types.js';
import { useAvailableUpdates } from './available-updates.js';
import { useInstalledPlugins } from './installed-plugins.js';

// The store catalog through the backend, one page at a time: search (q) and paging run on the
// store, so a catalog larger than one page is reachable. "Unavailable" is a normal state with a
// reason, not an error page: the backend answers `available: false` quickly when the store is down.

/** Cards per page: a few rows of the grid, and well under the store's limit of 200. */
export const STORE_PAGE_SIZE = 24;
/** Pause in typing after which the search goes to the store. */
export const STORE_SEARCH_DEBOUNCE_MS = 250;

const plugins = ref<StorePlugin[]>([]);
const available = ref<boolean | null>(null);
const reason = ref<string | null>(null);
const error = ref<string | null>(null);
const loaded = ref(false);
/** The search the shown page answers (sent as q); '' lists everything. */
const query = ref('');
/** The order asked of the store; 'name' is its default. */
const sort = ref<CatalogSort>('name');
/** Only plugins with this tag; '' for all. */
const tag = ref('');
/** 1-based page being shown (or asked for). */
const page = ref(1);
/** Matching plugins over all pages, as the store counted them. */
const total = ref(0);
/** Size of the whole catalog (the last unfiltered total), for the tab count and the summary. */
const catalogSize = ref<number | null>(null);
/** True while a new page or search is on its way (not for the background re-reads). */
const pending = ref(false);
const pageCount = computed(() => Math.max(1, Math.ceil(total.value / STORE_PAGE_SIZE)));
/** What a running install or update is doing: one progress from the first request to the plugin running. */
export interface InstallProgress {
  /** When it started (ms), for the elapsed seconds shown. */
  since: number;
  phase: 'installing' | 'updating' | 'starting';
}
/** Plugin name -> its install or update in progress, for the progress shown on its card and details page. */
const installing = ref<Record<string, InstallProgress>>({});

// Polling, a search and a page click can overlap; only the answer to the newest request is shown,
// so a slow answer for the old search never replaces the new one.
let latest = 0;

async function refresh(): Promise<void> {
  const ticket = ++latest;
  const asked = { q: query.value.trim(), page: page.value, tag: tag.value };
  try {
    const answer = await listStore({
      q: asked.q || undefined,
      tag: asked.tag || undefined,
      sort: sort.value === 'name' ? undefined : sort.value,
      page: asked.page,
      per_page: STORE_PAGE_SIZE,
    });
    if (ticket !== latest) return;
    if (answer.available && answer.plugins.length === 0 && answer.total > 0 && asked.page > 1) {
      // The catalog shrank under this page (a plugin was deleted): show its new last page.
      page.value = Math.ceil(answer.total / STORE_PAGE_SIZE);
      return refresh();
    }
    available.value = answer.available;
    reason.value = answer.available ? null : (answer.reason ?? 'The plugin store does not answer');
    plugins.value = answer.plugins ?? [];
    total.value = answer.total ?? plugins.value.length;
    if (answer.available && !asked.q && !asked.tag) catalogSize.value = total.value;
    error.value = null;
  } catch (cause) {
    if (ticket !== latest) return;
    // The backend itself failed to answer: say so, but keep the last catalog on screen.
    error.value = (cause as Error).message;
  } finally {
    if (ticket === latest) {
      loaded.value = true;
      pending.value = false;
    }
  }
}

/** Runs a new search from its first page. */
function search(text: string): Promise<void> {
  if (text.trim() === query.value.trim()) return Promise.resolve();
  query.value = text;
  page.value = 1;
  pending.value = true;
  return refresh();
}

/**
 * Sets the order and the tag filter (both live in the URL); a change starts again from page 1.
 * Unknown orders fall back to the store's default.
 */
function arrange(next: { sort: CatalogSort; tag: string }): Promise<void> {
  if (next.sort === sort.value && next.tag === tag.value) return Promise.resolve();
  sort.value = next.sort;
  tag.value = next.tag;
  page.value = 1;
  pending.value = true;
  return refresh();
}

function goToPage(target: number): Promise<void> {
  const next = Math.min(Math.max(1, Math.floor(target)), pageCount.value);
  if (next === page.value) return Promise.resolve();
  page.value = next;
  pending.value = true;
  return refresh();
}

/**
 * Runs an install or update of a version of plugin `name` with its progress shown, then re-reads
 * both lists (the installed one brings the count of available updates along).
 */
async function track<T>(name: string, phase: InstallProgress['phase'], run: () => Promise<T>): Promise<T> {
  installing.value = { ...installing.value, [name]: { since: Date.now(), phase } };
  try {
    return await run();
  } finally {
    useAvailableUpdates().invalidate();
    // Both lists are read again before the progress goes, so the card never shows the old state for a moment.
    await Promise.all([refresh(), useInstalledPlugins().refresh()]);
    const { [name]: _done, ...rest } = installing.value;
    installing.value = rest;
  }
}

/** Installs the version `storeId` names of plugin `name`. */
const install = (name: string, storeId: string, request: InstallRequest = {}) =>
  track(name, 'installing', () => installFromStore(storeId, request));
/** Moves installed plugin `name` to the version `storeId` names (older only with allow_downgrade). */
const update = (name: string, storeId: string, request: UpdateRequest = {}) =>
  track(name, 'updating', () => updateFromStore(storeId, request));

/** An install that went in, and whether the plugin then started: `startError` says why not. */
export interface InstallAndRun {
  answer: InstallAnswer;
  startError: string | null;
}

/**
 * Install, then load: what the Install button means to a user is a plugin that runs. The install
 * answers `discovered` (the API keeps that answer); the load follows under the same progress, now
 * "Starting…". A failed install throws; a failed start does not, since the plugin is installed.
 */
const installAndRun = (name: string, storeId: string, request: InstallRequest = {}) =>
  track(name, 'installing', async (): Promise<InstallAndRun> => {
    const answer = await installFromStore(storeId, request);
    if (answer.plugin.state === 'active') return { answer, startError: null };
    installing.value = { ...installing.value, [name]: { since: installing.value[name]?.since ?? Date.now(), phase: 'starting' } };
    try {
      await runOperation(answer.plugin.id, 'load');
      return { answer, startError: null };
    } catch (cause) {
      return { answer, startError: messageOf(cause) };
    }
  });

export function useStoreCatalog() {
  return {
    plugins,
    available,
    reason,
    error,
    loaded,
    query,
    sort,
    tag,
    page,
    total,
    pageCount,
    catalogSize,
    pending,
    installing,
    refresh,
    search,
    goToPage,
    arrange,
    install,
    installAndRun,
    update,
  };
}
