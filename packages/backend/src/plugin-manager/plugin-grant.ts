import { normalizePermissions, type PluginPermissions } from '@oko/shared';
import type { PluginRecord } from './record.js';

/** What one plugin's process is started with: its granted permissions and the env values an admin entered. */
export interface PluginGrant {
  permissions: Required<PluginPermissions>;
  env: Record<string, string>;
}

export type GrantSource = (record: PluginRecord) => Promise<PluginGrant>;

/** The grant of a plugin nobody approved anything for: what its manifest declares, no env values. */
export const declaredGrant: GrantSource = async (record) => ({
  permissions: normalizePermissions(record.scan.manifest?.permissions),
  env: {},
});
