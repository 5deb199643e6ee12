import type { FastifyPluginAsync } from 'fastify';
import { StoreCatalog } from './catalog/store-catalog.js';
import { StoreClient } from './client/store-client.js';
import type { StoreIntegrationConfig } from './config.js';
import { removeLeftovers } from './installer/leftovers.js';
import { PluginInstaller, type InstallGrantPort } from './installer/plugin-installer.js';
import type { InstallSignaturePort } from '../trust/plugin-trust.js';
import type { PluginRegistryPort } from './plugin-registry-port.js';
import { DependencyAwareInstaller } from '../versions/dependencies/index.js';
import type { PluginVersions } from '../versions/version-settings.js';
import type { PolicyConnection } from '../versions/policies/index.js';
import { findInstalledByStoreId } from './installer/install-record.js';
import { storeRoutes } from './routes.js';

export { readStoreIntegrationConfig, type StoreIntegrationConfig } from './config.js';
export type { PluginRegistryPort } from './plugin-registry-port.js';
export type { InstallGrantPort } from './installer/plugin-installer.js';

export interface StoreIntegrationOptions {
  /** The backend's config: these four fields of it. */
  config: {
    pluginsDir: string;
    /** OKO_STORE_URL */
    storeUrl: string;
    /** OKO_STORE_API_KEY, forwarded on uploads and GitHub imports. */
    storeApiKey: string | undefined;
    /** OKO_STORE_TOKEN, a dashboard token sent on catalog reads and downloads. */
    storeToken?: string | undefined;
    storeIntegration: StoreIntegrationConfig;
  };
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
 * interrupted install left in plugins/, then serves /store.
 */
export const storeIntegration: FastifyPluginAsync<StoreIntegrationOptions> = async (
  app,
  { config, plugins, grants, signatures, versions, policies },
) => {
  const removed = await removeLeftovers(config.pluginsDir);
  if (removed.length > 0)
    app.log.warn({ removed, pluginsDir: config.pluginsDir }, 'removed folders left by an interrupted install or uninstall');
  const client = new StoreClient({
    baseUrl: config.storeUrl,
    apiKey: config.storeApiKey,
    token: config.storeToken,
    timeoutMs: config.storeIntegration.timeoutMs,
    transferIdleTimeoutMs: config.storeIntegration.transferIdleTimeoutMs,
    downloadTimeoutMs: config.storeIntegration.downloadTimeoutMs,
    maxPackageBytes: config.storeIntegration.maxPackageBytes,
    maxAnswerBytes: config.storeIntegration.maxAnswerBytes,
  });
  const installer = new PluginInstaller({ pluginsDir: config.pluginsDir, client, plugins, grants, signatures, log: app.log });
  const catalog = new StoreCatalog(client, plugins);
  // Routes call the installer through engines, dependency plans and IN_USE (README "Engines and dependencies").
  // `inner` adapts the installer's own signatures to PluginUpdatePort; once it implements the port, pass it as is.
  const inner = {
    install: (ref: string) => installer.install(ref),
    update: (ref: string, o?: { acceptPermissions?: boolean }) => installer.update(ref, o?.acceptPermissions === true),
    uninstall: (ref: string) => installer.uninstall(ref),
  };
  const updates = new DependencyAwareInstaller({
    inner,
    client,
    plugins,
    settings: versions?.settings,
    installedNameOf: (id) => findInstalledByStoreId(config.pluginsDir, id),
  });
  // The update policy check applies its updates through the same outermost path as the routes.
  policies?.connect(updates, client);
  await app.register(storeRoutes, {
    catalog,
    installer,
    updates,
    client,
    maxUploadBytes: config.storeIntegration.maxUploadBytes,
    storeUrl: config.storeUrl,
  });
};
