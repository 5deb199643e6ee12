/*
 * Bounds on what one plugin host may send the backend. Constants rather than settings: they guard
 * the backend's log and event bus against a runaway plugin, and no honest plugin comes near them.
 * (Were one needed, OKO_PLUGIN_LOG_LINES_PER_SECOND and OKO_PLUGIN_EVENTS_PER_SECOND would be the
 * variables, read in config.ts and passed down through HostOptions.)
 */

/** Log lines per second per plugin; a burst of this many passes at once, then this many a second. */
export const LOG_LINES_PER_SECOND = 100;
/** Events emitted per second per plugin, with a burst of the same size. */
export const EVENTS_PER_SECOND = 200;
/**
 * Messages over those limits the backend drops from one host within a second before it ends the
 * host. The host drops over-limit lines itself before posting, so only plugin code posting on the
 * host's port directly gets here; without a ceiling, a million such posts hold the main thread for
 * seconds while each is read and dropped.
 */
export const FLOOD_CEILING_PER_SECOND = 5000;
/** How often, at most, the counted note of what was dropped is written (and the host reports its drops). */
export const DROP_REPORT_MS = 1000;

/** A log message, a setup error, a failed call's message: longer text is cut by the host. */
export const MAX_TEXT_CHARS = 8192;
/** An event topic, an action type, a header name. */
export const MAX_NAME_CHARS = 256;
/** A route path a plugin registers. */
export const MAX_PATH_CHARS = 1024;
