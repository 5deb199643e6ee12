import { pluginDisplayName, type PluginState } from '@oko/shared';
import type { InstalledPlugin } from '../api/types.js';
import { stateReason } from './plugin-facts.js';

// The words a person reads for a plugin's state, scope and lifecycle buttons: one table, so the
// card, the details page, the header panel and the store card never disagree.

export const STATE_WORDS: Record<PluginState, string> = {
  discovered: 'Installed, not running',
  loading: 'Starting',
  active: 'Running',
  error: 'In error',
  disabled: 'Disabled',
};

/** The badge text of a state; an unknown state (a newer backend) is shown as it came. */
export function stateWords(state: string): string {
  return STATE_WORDS[state as PluginState] ?? state;
}

/** Anything named like a plugin: an installed plugin (PluginSummary) or a catalog entry. */
export interface Nameable {
  name: string;
  display_name?: string;
  manifest?: unknown;
  ui?: unknown;
}

const objectOr = <T>(value: unknown): T | null => (value && typeof value === 'object' ? (value as T) : null);

/**
 * The name people read, for installed plugins and catalog entries alike: the service's
 * display_name, else the shared rule (manifest, ui.yaml, id) for an answer of an older service.
 */
export function displayNameOf(plugin: Nameable): string {
  if (plugin.display_name?.trim()) return plugin.display_name.trim();
  return pluginDisplayName({ name: plugin.name, manifest: objectOr(plugin.manifest), ui: objectOr(plugin.ui) });
}

/**
 * Where the plugin comes from. Only "Built in" and "Development" say something on a card (every other plugin is in
 * the plugins folder, put there by an install); the tooltip says what follows from it.
 */
export const SCOPE_WORDS: Record<string, { label: string; hint: string }> = {
  builtin: {
    label: 'Built in',
    hint: 'Ships with this dashboard (its built-in plugins folder): it can be stopped and disabled, not uninstalled.',
  },
  external: {
    label: 'From the store',
    hint: 'Installed into the plugins folder (from the store, an uploaded ZIP, or copied there by hand); it can be uninstalled.',
  },
  dev: {
    label: 'Development',
    hint: 'Sent by `oko-plugin dev` and reloaded on every save; it runs in the same sandbox as installed plugins and is removed when the author stops the command.',
  },
};

/** What each lifecycle button does, said beside the buttons where both stop the plugin. */
export const OPERATION_HINTS = {
  unload:
    'Unload stops it until someone loads it again; after a restart of the dashboard it stays stopped (only running plugins start again).',
  disable: 'Disable stops it and keeps it stopped, across restarts too, until Enable, which puts it back as it was before.',
} as const;

/**
 * Why a plugin needs someone to look at it, or null: an error (a quarantine included), a restart
 * waiting after a crash, a signature that no longer matches, an update waiting for approval, or an
 * update that was rolled back.
 */
export function attentionReason(plugin: InstalledPlugin): string | null {
  if (plugin.state === 'error') return 'The plugin is in error';
  if (plugin.state === 'loading' && plugin.status_reason) return stateReason(plugin);
  const signature = plugin.signature?.state;
  if (signature === 'modified') return 'Its files changed since they were signed';
  if (signature === 'invalid') return 'Its signature is invalid';
  if (plugin.versions?.pending_update) return 'An update waits for approval';
  if (plugin.versions?.last_update?.result === 'rolled_back') return 'An update was rolled back';
  return null;
}
