/**
 * What the store integration needs from the plugin manager. Declared here, structurally, so the
 * installer can be tested and reasoned about without the whole plugin runtime.
 */
export interface InstalledPluginView {
  id: string;
  name: string;
  version: string;
  state: string;
  scope: string;
}

export interface PluginRegistryPort {
  /** Re-reads the plugins directory: new folders appear as `discovered`, removed ones disappear. */
  rescan(): Promise<unknown>;
  get(id: string): InstalledPluginView | undefined;
  unload(id: string): Promise<unknown>;
}
