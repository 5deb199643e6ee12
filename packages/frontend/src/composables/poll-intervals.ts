// How often the UI re-reads what can change behind its back. Short enough that a plugin that
// finished loading, or a store that came back, shows within a few seconds.
export const INSTALLED_POLL_MS = 3_000;
export const STORE_POLL_MS = 5_000;
export const INDICATOR_POLL_MS = 5_000;
/**
 * The count of available updates costs the backend one store request per installed plugin, so the
 * installed list's polling re-reads it at most this often; an install, update, rollback or
 * uninstall re-reads it at once.
 */
export const UPDATES_POLL_MS = 15_000;
/**
 * The store's own health (degraded, read-only) for the plugins page's store pill: it costs the
 * store a database and bucket check, and changes rarely, so it is re-read this seldom while the
 * page is in view, and at once on a return to the page or a change in the listing's reachability.
 */
export const STORE_HEALTH_POLL_MS = 15_000;
