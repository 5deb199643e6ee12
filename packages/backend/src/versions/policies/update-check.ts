import { isNewerVersion, isOkoError, type UpdateCheckAnswer, type UpdateCheckResult } from '@oko/shared';
import type { FastifyBaseLogger } from 'fastify';
import type { InstalledPlugin } from '../../store-integration/plugin-registry-port.js';
import type { PluginUpdatePort } from '../ports.js';
import type { VersionSettings, VersionSettingsStore } from '../version-settings.js';
import { chooseAutomaticUpdate } from './select.js';
import type { VersionSource } from './store-versions.js';

export interface UpdateCheckOptions {
  plugins: { list(): Promise<InstalledPlugin[]> };
  settings: VersionSettingsStore;
  source: VersionSource;
  /** The same health-gated path as POST /store/{id}/update. */
  updates: Pick<PluginUpdatePort, 'update'>;
  log: Pick<FastifyBaseLogger, 'info' | 'warn'>;
}

/** Refusals that may pass by themselves (a dependency published, a pin moved): tried again next round. */
const SKIPPED = new Set(['DEPENDENCIES_REQUIRED', 'DEPENDENCY_CONFLICT', 'INCOMPATIBLE', 'INSTALL_IN_PROGRESS', 'NO_NEWER_VERSION']);
/** The store itself is away: the rest of the round would only fail the same way. */
const STORE_DOWN = new Set(['STORE_UNAVAILABLE']);

class StoreDown extends Error {}

/**
 * The update policy check (README "Pins and update policies"): one round looks at every installed
 * external plugin, and applies the update its policy allows unless it is pinned. One round at a
 * time: a round asked for while one runs gets that round's answer.
 */
export class UpdateCheck {
  private running: Promise<UpdateCheckAnswer> | undefined;
  private storeWasDown = false;

  constructor(private readonly options: UpdateCheckOptions) {}

  run(): Promise<UpdateCheckAnswer> {
    this.running ??= this.round().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** Resolves when the round in progress (if any) is over. */
  async idle(): Promise<void> {
    await this.running?.catch(() => undefined);
  }

  private async round(): Promise<UpdateCheckAnswer> {
    const started_at = new Date().toISOString();
    const results: UpdateCheckResult[] = [];
    const installed = (await this.options.plugins.list()).filter((plugin) => plugin.scope === 'external');
    try {
      for (const plugin of installed) results.push(await this.checkOne(plugin).catch((error: unknown) => this.failed(plugin, error)));
    } catch (error) {
      if (!(error instanceof StoreDown)) throw error;
      // Logged once per outage: an hourly check against a store that is away for a day says so once.
      if (!this.storeWasDown) this.options.log.warn({ reason: error.message }, 'update check: the store did not answer; the round ended');
      this.storeWasDown = true;
      return { available: false, reason: error.message, started_at, results };
    }
    if (this.storeWasDown) this.options.log.info('update check: the store answers again');
    this.storeWasDown = false;
    return { available: true, started_at, results };
  }

  private async checkOne(plugin: InstalledPlugin): Promise<UpdateCheckResult> {
    const base = { name: plugin.id, installed_version: plugin.version };
    const settings = await this.forgetReachedPending(plugin);
    if (settings.pinned) return { ...base, outcome: 'pinned' };
    if (settings.update_policy === 'manual') return { ...base, outcome: 'manual' };
    const versions = await this.storeCall(() => this.options.source.versionsOf(plugin.id)).catch((error: unknown) => {
      if (isOkoError(error) && error.code === 'PLUGIN_NOT_FOUND') return [];
      throw error;
    });
    const chosen = chooseAutomaticUpdate({
      installed: plugin.version,
      pinned: settings.pinned,
      policy: settings.update_policy,
      versions: versions.map((entry) => entry.version),
    });
    const target = versions.find((entry) => entry.version === chosen);
    if (!target) return { ...base, outcome: 'up_to_date' };
    const chosenBase = { ...base, version: target.version, id: target.id };
    const last = settings.last_update;
    if (last?.result === 'rolled_back' && last.to === target.version) {
      // The health window already sent this version back: trying it every round would take the
      // plugin down every round. A newer version, or an admin's explicit update, moves it on.
      return {
        ...chosenBase,
        outcome: 'skipped',
        code: 'ROLLED_BACK',
        message: `${target.version} was rolled back: ${last.reason ?? 'unhealthy'}`,
      };
    }
    try {
      // The pick is checked against the policy's bound by version: the entry fetched for it must be that version of this plugin.
      await this.storeCall(() =>
        this.options.updates.update(target.id, { automatic: true, expected: { name: plugin.id, version: target.version } }),
      );
      this.options.log.info({ plugin: plugin.id, from: plugin.version, to: target.version }, 'update check: updated');
      await this.forgetReachedPending({ ...plugin, version: target.version });
      return { ...chosenBase, outcome: 'updated' };
    } catch (error) {
      if (!isOkoError(error)) throw error;
      if (error.code === 'PERMISSIONS_CHANGED') {
        const added_permissions = addedOf(error.details);
        // A newer version's refusal replaces an older pending one: the admin approves what is newest.
        await this.options.settings.update(plugin.id, (current) => ({
          ...current,
          pending_update: { version: target.version, id: target.id, added_permissions },
        }));
        this.options.log.info({ plugin: plugin.id, version: target.version, added_permissions }, 'update check: pending approval');
        return { ...chosenBase, outcome: 'pending', added_permissions };
      }
      if (!SKIPPED.has(error.code)) throw error;
      this.options.log.warn(
        { plugin: plugin.id, version: target.version, code: error.code, reason: error.message },
        'update check: skipped',
      );
      return { ...chosenBase, outcome: 'skipped', code: error.code, message: error.message };
    }
  }

  /** Any other failure ends this plugin's turn only; the store being away ends the round. */
  private failed(plugin: InstalledPlugin, error: unknown): UpdateCheckResult {
    if (error instanceof StoreDown) throw error;
    const code = isOkoError(error) ? error.code : 'INTERNAL_ERROR';
    const message = error instanceof Error ? error.message : String(error);
    this.options.log.warn({ plugin: plugin.id, code, reason: message }, 'update check: failed');
    return { name: plugin.id, installed_version: plugin.version, outcome: 'failed', code, message };
  }

  /** A pending update the installed version has reached (approved, or applied another way) is over. */
  private async forgetReachedPending(plugin: InstalledPlugin): Promise<VersionSettings> {
    const settings = await this.options.settings.get(plugin.id);
    const pending = settings.pending_update;
    if (!pending || isNewerVersion(pending.version, plugin.version)) return settings;
    return this.options.settings.update(plugin.id, (current) => {
      const next = { ...current };
      if (next.pending_update?.version === pending.version) delete next.pending_update;
      return next;
    });
  }

  private async storeCall<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (isOkoError(error) && STORE_DOWN.has(error.code)) throw new StoreDown(error.message);
      throw error;
    }
  }
}

function addedOf(details: unknown): string[] {
  const added = (details as { added?: unknown } | undefined)?.added;
  return Array.isArray(added) ? added.filter((label): label is string => typeof label === 'string') : [];
}
