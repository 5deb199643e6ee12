import type { FastifyPluginAsync } from 'fastify';
import { storeRoutes } from '../routes/store.js';
import type { StoreIntegrationConfig } from './config.js';
import { removeLeftovers } from './leftovers.js';
import { PluginInstaller } from './plugin-installer.js';
import type { PluginRegistryPort } from './plugin-registry-port.js';
import { StoreCatalog } from './store-catalog.js';
import { StoreClient } from './store-client.js';

export { readStoreIntegrationConfig, type StoreIntegrationConfig } from './config.js';
export { StoreClient, type StoreClientOptions } from './store-client.js';
export { PluginInstaller, type InstallResult, type UninstallResult, type UpdateResult } from './plugin-installer.js';
export { StoreCatalog, type StoreListing, type StoreHealthReport, type StorePluginView } from './store-catalog.js';
export type { PluginRegistryPort, InstalledPluginView } from './plugin-registry-port.js';
export { removeLeftovers, STAGING_PREFIX, TRASH_PREFIX } from './leftovers.js';
export { INSTALL_RECORD_FILE } from './install-record.js';

export interface StoreIntegrationOptions {
  /** The backend's config: these four fields of it. */
  config: {
    pluginsDir: string;
    /** OKO_STORE_URL */
    storeUrl: string;
    /** OKO_STORE_API_KEY, forwarded on uploads and GitHub imports. */
    storeApiKey: string | undefined;
    storeIntegration: StoreIntegrationConfig;
  };
  plugins: PluginRegistryPort;
}

/**
 * The store integration as a Fastify plugin (register it with prefix /api/v1): cleans what an
 * interrupted install left in plugins/, then serves /store.
 */
export const storeIntegration: FastifyPluginAsync<StoreIntegrationOptions> = async (app, { config, plugins }) => {
  const removed = await removeLeftovers(config.pluginsDir);
  if (removed.length > 0) app.log.warn({ removed, pluginsDir: config.pluginsDir }, 'removed folders left by an interrupted install or uninstall');
  const client = new StoreClient({
    baseUrl: config.storeUrl,
    apiKey: config.storeApiKey,
    timeoutMs: config.storeIntegration.timeoutMs,
    transferIdleTimeoutMs: config.storeIntegration.transferIdleTimeoutMs,
  });
  const installer = new PluginInstaller({ pluginsDir: config.pluginsDir, client, plugins, log: app.log });
  const catalog = new StoreCatalog(client, plugins);
  await app.register(storeRoutes, { catalog, installer, client, maxUploadBytes: config.storeIntegration.maxUploadBytes });
};
