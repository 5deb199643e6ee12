/**
 * How a plugin is named and drawn for people: one rule for the store, the backend and the UI, so a
 * card, a toast and a dialog never disagree. The plugin name stays the id, shown as secondary text.
 */
export interface DisplaySource {
  name: string;
  manifest?: { display_name?: unknown } | null;
  ui?: { page_title?: unknown; page_icon?: unknown } | null;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/** manifest.json `display_name`, else ui.yaml `page_title`, else the name. */
export function pluginDisplayName(source: DisplaySource): string {
  return text(source.manifest?.display_name) ?? text(source.ui?.page_title) ?? source.name;
}

/** ui.yaml `page_icon`, or null. */
export function pluginIcon(source: DisplaySource): string | null {
  return text(source.ui?.page_icon) ?? null;
}
