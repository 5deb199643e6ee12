import type { InstalledPluginInfo } from '@oko/shared';

/**
 * What the store integration needs from the plugin manager (PluginManager satisfies it). Declared
 * here, structurally, so the installer depends on six methods rather than the whole runtime.
 */
export interface PluginRegistryPort {
  /** Re-reads the plugins directory: new folders appear as `discovered`, removed ones disappear. */
  rescan(): Promise<unknown>;
  list(): Promise<InstalledPluginInfo[]>;
  get(id: string): Promise<InstalledPluginInfo | undefined>;
  unload(id: string): Promise<unknown>;
  /** Starts the plugin's code; rejects (and leaves the plugin in state error) when it fails to load. */
  load(id: string): Promise<unknown>;
  /** Runs `fn` as the only operation on plugin `id`; re-entrant, so `fn` may call unload(id). */
  withPluginLock<T>(id: string, fn: () => Promise<T>): Promise<T>;
}
