import type { FastifyPluginAsync } from 'fastify';
import type { PluginPermissions, PermissionSet } from '@oko/shared';
import type { InstalledPlugin } from '../../store-integration/plugin-registry-port.js';
import type { PluginUpdatePort } from '../ports.js';
import { policyRoutes } from './routes.js';
import { storeVersionSource, type VersionSource } from './store-versions.js';
import { UpdateCheck } from './update-check.js';
import type { StoreClient } from '../../store-integration/client/store-client.js';

export { chooseAutomaticUpdate, newestAllowed, newestAvailable } from './select.js';

/**
 * Where the store integration hands over its update path and store client: it builds both, the
 * policies use them. Connected before the policies are registered (app.ts registers in order).
 */
export class PolicyConnection {
  private parts: { updates: Pick<PluginUpdatePort, 'update'>; source: VersionSource } | undefined;

  connect(updates: Pick<PluginUpdatePort, 'update'>, client: Pick<StoreClient, 'listVersions' | 'listPlugins' | 'getPlugin'>): void {
    this.parts = { updates, source: storeVersionSource(client) };
  }

  get(): { updates: Pick<PluginUpdatePort, 'update'>; source: VersionSource } {
    if (!this.parts) throw new Error('the store integration has not connected the update path');
    return this.parts;
  }
}

export interface VersionPoliciesOptions {
  connection: PolicyConnection;
  /** OKO_UPDATE_CHECK_INTERVAL_S; 0 = no schedule (POST /store/updates/check still runs a round). */
  intervalS: number;
  plugins: { list(): Promise<InstalledPlugin[]> };
  grants: { heldBy(id: string, declared: PluginPermissions | undefined): Promise<PermissionSet> };
}

/** Pins, update policies and the scheduled update check (register with prefix /api/v1). */
export const versionPolicies: FastifyPluginAsync<VersionPoliciesOptions> = async (app, { connection, intervalS, plugins, grants }) => {
  const { updates, source } = connection.get();
  const settings = app.pluginVersions.settings;
  const check = new UpdateCheck({ plugins, settings, source, updates, log: app.log });
  await app.register(policyRoutes, { check, updates: { plugins, settings, source, grants, log: app.log } });
  app.addHook('onClose', async () => check.idle());
  if (intervalS <= 0) return;
  const timer = setInterval(() => {
    // The round logs what it did; a failure here is a bug, not a reason to stop the schedule.
    check.run().catch((error: unknown) => app.log.error({ err: error }, 'update check: the round failed'));
  }, intervalS * 1000);
  // The schedule never keeps the process alive on its own.
  timer.unref();
  app.addHook('onClose', async () => clearInterval(timer));
};
