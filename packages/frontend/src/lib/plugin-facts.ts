import { pluginDisplayName } from '@oko/shared';
import type { InstalledPlugin, PluginErrorInfo } from '../api/types.js';

export function errorReason(error: PluginErrorInfo | null | undefined): string | null {
  return error?.reason ?? null;
}

/**
 * Why the plugin is in its state, in words for its card: the reason of an error (a quarantine
 * after crashes included), or, while it waits to start again after a crash, which restart it is.
 */
export function stateReason(plugin: Pick<InstalledPlugin, 'state' | 'error' | 'status_reason'>): string | null {
  if (plugin.state === 'error') return errorReason(plugin.error);
  if (plugin.state === 'loading' && plugin.status_reason) return `restarting: ${plugin.status_reason}`;
  return null;
}

/** The backend resolves ui.yaml's api_prefix (or its default) for every plugin it lists. */
export function apiPrefixFor(plugin: Pick<InstalledPlugin, 'name' | 'ui'>): string {
  return plugin.ui?.api_prefix || plugin.name.replace(/_/g, '-');
}

export interface MenuEntry {
  pluginId: string;
  title: string;
  icon: string;
  order: number;
}

export interface MenuGroup {
  name: string;
  entries: MenuEntry[];
}

/** Navigation entries of active plugins whose ui.yaml says show_in_menu, grouped and ordered. */
export function menuGroups(plugins: InstalledPlugin[]): MenuGroup[] {
  const groups = new Map<string, MenuEntry[]>();
  for (const plugin of plugins) {
    const ui = plugin.ui;
    if (!ui?.show_in_menu || plugin.state !== 'active') continue;
    const name = ui.menu_group?.trim() || 'Plugins';
    const entry = {
      pluginId: plugin.id,
      title: plugin.display_name || pluginDisplayName(plugin),
      icon: ui.page_icon || 'puzzle',
      order: ui.menu_order ?? 1000,
    };
    groups.set(name, [...(groups.get(name) ?? []), entry]);
  }
  return [...groups]
    .map(([name, entries]) => ({ name, entries: entries.sort((a, b) => a.order - b.order || a.title.localeCompare(b.title)) }))
    .sort(
      (a, b) => Math.min(...a.entries.map((e) => e.order)) - Math.min(...b.entries.map((e) => e.order)) || a.name.localeCompare(b.name),
    );
}

export function formatBytes(bytes: number | undefined): string {
  if (!bytes && bytes !== 0) return '—';
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

export function sourceLabel(source: string | undefined): string {
  if (!source) return 'unknown source';
  if (source.startsWith('github')) return 'GitHub';
  if (source.startsWith('zip')) return 'ZIP upload';
  return source;
}
