import type { InstalledPluginInfo, PluginPermissions } from '@oko/shared';

/** What the installer reads of an installed plugin: its API prefix (name clashes) and manifest (grants). */
export type InstalledPlugin = InstalledPluginInfo & {
  ui?: { api_prefix: string };
  manifest?: { permissions?: PluginPermissions } | null;
  /** manifest.json dependencies (plugin summaries carry them; versions/dependencies reads them). */
  dependencies?: Record<string, string>;
};

/**
 * What the store integration needs from the plugin manager (PluginManager satisfies it). Declared
 * here, structurally, so the installer depends on a few methods rather than the whole runtime.
 */
export interface PluginRegistryPort {
  /** Re-reads the plugins directory: new folders appear as `discovered`, removed ones disappear. */
  rescan(): Promise<unknown>;
  /** Re-reads the folder of plugin `id` alone (after an operation that changed only it) and answers what it now is. */
  discover(id: string): Promise<InstalledPlugin | undefined>;
  list(): Promise<InstalledPlugin[]>;
  /** The installed plugins by name, kept up to date without a scan per call, and a version that changes with them. */
  installedView(): { version: string; byName: ReadonlyMap<string, InstalledPluginInfo> };
  get(id: string): Promise<InstalledPlugin | undefined>;
  unload(id: string): Promise<unknown>;
  /** Starts the plugin's code; rejects (and leaves the plugin in state error) when it fails to load. */
  load(id: string): Promise<unknown>;
  /** Runs `fn` as the only operation on plugin `id`; re-entrant, so `fn` may call unload(id). */
  withPluginLock<T>(id: string, fn: () => Promise<T>): Promise<T>;
  /** Lets the health gate claim a death inside an update's window (PluginManager.watchUpdateDeaths). */
  watchUpdateDeaths?(port: { claimDeath(id: string, reason: string): boolean }): void;
}
