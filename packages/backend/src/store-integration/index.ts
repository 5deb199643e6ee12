import type { FastifyInstance } from 'fastify';
import { storeRoutes } from '../routes/store.js';
import type { StoreIntegrationConfig } from './config.js';
import { removeLeftovers } from './leftovers.js';
import { PluginInstaller } from './plugin-installer.js';
import type { PluginRegistryPort } from './plugin-registry-port.js';
import { StoreCatalog } from './store-catalog.js';
import { StoreClient } from './store-client.js';

export { readStoreIntegrationConfig, type StoreIntegrationConfig } from './config.js';
export { StoreClient, type StoreClientOptions } from './store-client.js';
export { PluginInstaller, type InstallResult, type UninstallResult } from './plugin-installer.js';
export { StoreCatalog, type StoreListing, type StoreHealthReport, type StorePluginView } from './store-catalog.js';
export type { PluginRegistryPort, InstalledPluginView } from './plugin-registry-port.js';
export { removeLeftovers, STAGING_PREFIX, TRASH_PREFIX } from './leftovers.js';
export { INSTALL_RECORD_FILE } from './install-record.js';

export interface StoreIntegrationOptions {
  pluginsDir: string;
  /** OKO_STORE_URL */
  storeUrl: string;
  /** OKO_STORE_API_KEY, forwarded on uploads and GitHub imports. */
  storeApiKey: string | undefined;
  settings: StoreIntegrationConfig;
  plugins: PluginRegistryPort;
}

/**
 * Wires the store integration into the backend: cleans what an interrupted install left in
 * plugins/, then registers /store routes on `app` (register it under the /api/v1 prefix).
 */
export async function registerStoreIntegration(app: FastifyInstance, options: StoreIntegrationOptions): Promise<void> {
  const removed = await removeLeftovers(options.pluginsDir);
  if (removed.length > 0) app.log.warn({ removed, pluginsDir: options.pluginsDir }, 'removed folders left by an interrupted install or uninstall');
  const client = new StoreClient({
    baseUrl: options.storeUrl,
    apiKey: options.storeApiKey,
    timeoutMs: options.settings.timeoutMs,
    transferIdleTimeoutMs: options.settings.transferIdleTimeoutMs,
  });
  const installer = new PluginInstaller({ pluginsDir: options.pluginsDir, client, plugins: options.plugins, log: app.log });
  const catalog = new StoreCatalog(client, options.plugins);
  await app.register(storeRoutes, { catalog, installer, client, maxUploadBytes: options.settings.maxUploadBytes });
}
