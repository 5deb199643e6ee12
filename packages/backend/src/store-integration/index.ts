import type { FastifyPluginAsync } from 'fastify';
import { StoreCatalog } from './catalog/store-catalog.js';
import { StoreClient } from './client/store-client.js';
import type { StoreIntegrationConfig } from './config.js';
import { removeLeftovers } from './installer/leftovers.js';
import { PluginInstaller, type InstallGrantPort } from './installer/plugin-installer.js';
import { PackageCache } from '../versions/package-cache/package-cache.js';
import { rollbackRoutes } from '../versions/updates/rollback-routes.js';
import type { InstallSignaturePort } from '../trust/plugin-trust.js';
import type { PluginRegistryPort } from './plugin-registry-port.js';
import { DependencyAwareInstaller, type InstalledDependency } from '../versions/dependencies/index.js';
import type { PluginVersions } from '../versions/version-settings.js';
import type { PolicyConnection } from '../versions/policies/index.js';
import { findInstalledByStoreId } from './installer/install-record.js';
import { catalogRoutes } from './routes/catalog.js';
import { installRoutes } from './routes/install.js';
import { readmeRoutes } from './routes/readme.js';
import { reviewRoutes } from './routes/reviews.js';
import { StoreReviews } from './reviews/store-reviews.js';

export { readStoreIntegrationConfig, type StoreIntegrationConfig } from './config.js';
export { loadInstanceId } from './client/instance-id.js';
export { storeHealth } from './catalog/store-health.js';
export type { StoreClient } from './client/store-client.js';
export type { PluginRegistryPort } from './plugin-registry-port.js';
export type { InstallGrantPort } from './installer/plugin-installer.js';

/**
 * The backend's one store client: OKO_STORE_URL with its credentials, bounds and this dashboard's
 * instance id (client/instance-id.ts, read or created in OKO_DATA_DIR before this is called).
 */
export function createStoreClient(
  config: Pick<StoreIntegrationOptions['config'], 'storeUrl' | 'storeApiKey' | 'storeToken' | 'storeIntegration'>,
  instanceId: string,
): StoreClient {
  return new StoreClient({
    baseUrl: config.storeUrl,
    apiKey: config.storeApiKey,
    token: config.storeToken,
    instanceId,
    timeoutMs: config.storeIntegration.timeoutMs,
    transferIdleTimeoutMs: config.storeIntegration.transferIdleTimeoutMs,
    downloadTimeoutMs: config.storeIntegration.downloadTimeoutMs,
    maxPackageBytes: config.storeIntegration.maxPackageBytes,
    maxAnswerBytes: config.storeIntegration.maxAnswerBytes,
    catalogRevalidateMs: config.storeIntegration.catalogRevalidateMs,
  });
}

export interface StoreIntegrationOptions {
  /** The backend's config: these fields of it. */
  config: {
    pluginsDir: string;
    /** OKO_DATA_DIR: the package cache lives in its packages/ folder. */
    dataDir: string;
    /** OKO_UPDATE_HEALTH_WINDOW_S */
    updateHealthWindowS: number;
    /** OKO_STORE_URL */
    storeUrl: string;
    /** OKO_STORE_API_KEY, forwarded on uploads and GitHub imports. */
    storeApiKey: string | undefined;
    /** OKO_STORE_TOKEN, a dashboard token sent on catalog reads and downloads. */
    storeToken?: string | undefined;
    storeIntegration: StoreIntegrationConfig;
  };
  /** The store client (createStoreClient), shared with the Settings tab's health check. */
  client: StoreClient;
  plugins: PluginRegistryPort;
  /** Install records the package's permissions, update may widen them only with consent, uninstall removes them. */
  grants: InstallGrantPort;
  /** Install and update refuse a package the signature policy refuses, and record its files. */
  signatures?: InstallSignaturePort;
  /** Pins, update policies and the last update per plugin (src/versions/); the package cache reports into it. */
  versions?: PluginVersions;
  /** Receives the update path and the store client for the update policy check (versions/policies). */
  policies?: PolicyConnection;
}

/**
 * The store integration as a Fastify plugin (register it with prefix /api/v1): cleans what an
 * interrupted install left in plugins/, then serves /store and POST /plugins/{id}/rollback.
 */
export const storeIntegration: FastifyPluginAsync<StoreIntegrationOptions> = async (
  app,
  { config, client, plugins, grants, signatures, versions, policies },
) => {
  const removed = await removeLeftovers(config.pluginsDir);
  if (removed.length > 0)
    app.log.warn({ removed, pluginsDir: config.pluginsDir }, 'removed folders left by an interrupted install or uninstall');
  const cache = new PackageCache(config.dataDir, app.log);
  versions?.useCache(cache);
  const installer: PluginInstaller = new PluginInstaller({
    pluginsDir: config.pluginsDir,
    client,
    plugins,
    grants,
    signatures,
    cache,
    settings: versions?.settings,
    // Asked before an explicit rollback; the wrapper below is made after the installer it wraps.
    dependencyGuard: {
      assertVersionAllowed: (name: string, version: string, installed?: InstalledDependency[]): Promise<void> =>
        updates.assertVersionAllowed(name, version, installed),
    },
    healthWindowS: config.updateHealthWindowS,
    log: app.log,
  });
  // A death inside an update's health window rolls the update back instead of restarting the plugin.
  plugins.watchUpdateDeaths?.(installer.windows);
  // No window survives a restart: a `watching` left by the previous process is finished now.
  await installer.windows.finishInterrupted(await plugins.list());
  app.addHook('onClose', async () => {
    await installer.windows.close();
    // An install answers before the cache has recorded its package (PackageCache.hold): let it finish.
    await cache.settled();
  });
  // The outermost install/update/uninstall: the dependency checks wrap the installer here.
  const updates: DependencyAwareInstaller = new DependencyAwareInstaller({
    inner: installer,
    client,
    plugins,
    settings: versions?.settings,
    installedNameOf: (id) => findInstalledByStoreId(config.pluginsDir, id),
  });
  // The update policy check applies its updates through the same outermost path as the routes.
  policies?.connect(updates, client);
  const catalog = new StoreCatalog(client, plugins);
  await app.register(catalogRoutes, {
    catalog,
    client,
    plugins,
    cache,
    maxUploadBytes: config.storeIntegration.maxUploadBytes,
    storeUrl: config.storeUrl,
  });
  await app.register(reviewRoutes, { reviews: new StoreReviews(client, plugins) });
  await app.register(readmeRoutes, { client });
  await app.register(installRoutes, { updates });
  // Here rather than in app.ts: the installer is made in this plugin's scope.
  await app.register(rollbackRoutes, { rollbacks: installer });
};
