import { LastUpdate, PendingUpdate, UpdatePolicy, type PluginVersionState } from '@oko/shared';
import { Type, type Static } from 'typebox';
import { PluginFileStore, UnreadableGrantFile } from '../permissions/grant-store.js';

/** What is kept per plugin about its versions, beside what the package cache knows. */
const VersionSettings = Type.Object({
  pinned: Type.Boolean(),
  update_policy: UpdatePolicy,
  last_update: Type.Optional(LastUpdate),
  pending_update: Type.Optional(PendingUpdate),
});
export type VersionSettings = Static<typeof VersionSettings>;

export const DEFAULT_VERSION_SETTINGS: VersionSettings = { pinned: false, update_policy: 'manual' };

/**
 * Pins, update policies, the last update and a pending update, one file per plugin in
 * OKO_DATA_DIR/versions (never in the plugin's own data folder, which the plugin can write).
 * A missing or unreadable file reads as the defaults: unpinned, manual, which updates nothing.
 */
export class VersionSettingsStore {
  private readonly files: PluginFileStore<typeof VersionSettings>;

  constructor(dataDir: string) {
    this.files = new PluginFileStore(dataDir, 'versions', VersionSettings);
  }

  async get(id: string): Promise<VersionSettings> {
    try {
      return (await this.files.read(id)) ?? { ...DEFAULT_VERSION_SETTINGS };
    } catch (error) {
      if (error instanceof UnreadableGrantFile) return { ...DEFAULT_VERSION_SETTINGS };
      throw error;
    }
  }

  /** Read-modify-write of one plugin's settings, one at a time per plugin; returns what was stored. */
  async update(id: string, change: (current: VersionSettings) => VersionSettings): Promise<VersionSettings> {
    return this.files.serialised(id, async () => {
      const next = change(await this.get(id));
      await this.files.write(id, next);
      return next;
    });
  }

  /** Uninstall forgets the settings; a reinstall starts unpinned and manual. */
  async forget(id: string): Promise<void> {
    await this.files.serialised(id, () => this.files.remove(id));
  }
}

/** Versions whose packages the backend keeps for a plugin (the package cache answers it). */
export interface CachedVersionsPort {
  cachedVersions(id: string): Promise<string[]>;
}

/** The `versions` field of a plugin summary: its settings and what the package cache holds. */
export class PluginVersions {
  constructor(
    readonly settings: VersionSettingsStore,
    private cache: CachedVersionsPort = { cachedVersions: async () => [] },
  ) {}

  /** Set once the store integration has built its package cache. */
  useCache(cache: CachedVersionsPort): void {
    this.cache = cache;
  }

  async stateOf(id: string): Promise<PluginVersionState> {
    const [settings, cached_versions] = await Promise.all([this.settings.get(id), this.cache.cachedVersions(id)]);
    return { ...settings, cached_versions };
  }
}
