/**
 * How a plugin is named and drawn for people: one rule for the store, the backend and the UI, so a
 * card, a toast and a dialog never disagree. The plugin name stays the id, shown as secondary text.
 */
export interface DisplaySource {
  name: string;
  manifest?: { display_name?: unknown } | null;
  ui?: { page_title?: unknown; page_icon?: unknown } | null;
}

/**
 * Characters a name never needs and a spoofer does: controls (C0, DEL, C1), line and paragraph
 * separators, the bidi marks, overrides and isolates (which can make a toast or a consent dialog
 * read backwards past the name), and the invisible zero-width space, word joiner and BOM.
 * Zero-width joiner and non-joiner stay: emoji and some scripts need them.
 */
// eslint-disable-next-line no-control-regex
const HIDDEN_IN_NAMES = /[\u0000-\u001F\u007F-\u009F\u061C\u200B\u200E\u200F\u2028-\u202E\u2060\u2066-\u2069\uFEFF]/gu;
/** Something a person can see: a letter, digit, punctuation or symbol. */
const VISIBLE = /[\p{L}\p{N}\p{P}\p{S}]/u;

/** Why `value` cannot be a display name, or null (manifest.json `display_name` is checked with it). */
export function displayNameProblem(value: string): string | null {
  if (new RegExp(HIDDEN_IN_NAMES.source, 'u').test(value)) {
    return 'must not contain control characters, line separators, bidi controls or invisible characters';
  }
  return VISIBLE.test(value) ? null : 'must contain a visible character';
}

/** A name as shown: what HIDDEN_IN_NAMES matches removed (entries published before the check), trimmed; undefined when nothing visible is left. */
function text(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const shown = value.replace(HIDDEN_IN_NAMES, '').trim();
  return VISIBLE.test(shown) ? shown : undefined;
}

/** manifest.json `display_name`, else ui.yaml `page_title`, else the name. */
export function pluginDisplayName(source: DisplaySource): string {
  return text(source.manifest?.display_name) ?? text(source.ui?.page_title) ?? source.name;
}

/** ui.yaml `page_icon`, or null. */
export function pluginIcon(source: DisplaySource): string | null {
  return text(source.ui?.page_icon) ?? null;
}
