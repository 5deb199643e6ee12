import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance } from 'fastify';
import { crossSiteWriteGuard, knownHostGuard } from '@oko/shared';
import { frameworkErrorHandler, registerErrorHandler } from '@oko/shared/server';
import { registerAuth } from './auth/index.js';
import type { BackendConfig } from './config.js';
import { registerDevPlugins } from './dev-plugins/index.js';
import { GrantService } from './permissions/grant-service.js';
import { pluginEnvRoutes } from './permissions/env-routes.js';
import { PluginGateway } from './plugin-manager/plugin-gateway.js';
import { PluginManager } from './plugin-manager/plugin-manager.js';
import { actionRoutes } from './routes/actions.js';
import { pluginApiRoutes } from './routes/plugin-api.js';
import { pluginRoutes } from './routes/plugins.js';
import { systemRoutes } from './routes/system.js';
import { RuntimeSettingsStore } from './settings/runtime-settings.js';
import { createStoreClient, loadInstanceId, storeHealth, storeIntegration } from './store-integration/index.js';
import { PluginTrust } from './trust/plugin-trust.js';
import { trustRoutes } from './trust/trust-routes.js';
import { PolicyConnection, versionPolicies } from './versions/policies/index.js';
import { PluginVersions, VersionSettingsStore } from './versions/version-settings.js';
import { registerWebUi } from './web-ui.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Lifecycle of every plugin (rescan, get, load, unload, withPluginLock, ...). */
    pluginManager: PluginManager;
    /** Calls into active plugins: their routes, actions, pages; the registry. */
    pluginGateway: PluginGateway;
    /** Granted permissions and admin-entered env values per plugin. */
    pluginGrants: GrantService;
    /** Pins, update policies, the last update and the kept packages per plugin (src/versions/). */
    pluginVersions: PluginVersions;
    /** Server-side settings every browser obeys (OKO_DATA_DIR/settings.json): the custom-bundle kill switch. */
    runtimeSettings: RuntimeSettingsStore;
  }
}

const BODY_LIMIT_BYTES = 10 * 1024 * 1024;
const SETTINGS_HEALTH_TIMEOUT_MS = 2000;

/**
 * Builds the backend: services, docs, routes, the web UI. Never listens (server.ts does), so
 * the caller decides when plugins are restored and how the process ends.
 */
export async function buildApp(config: BackendConfig, options: { warmUp?: boolean } = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: { level: config.logLevel },
    bodyLimit: BODY_LIMIT_BYTES,
    frameworkErrors: frameworkErrorHandler,
    // As the store's (packages/store/src/app.ts): a union's object branches checked by Ajv were compiled on
    // the first answer that had one, and the first plugin page after a start took 74 ms, then 3. The server
    // compiles them at start; a test need not.
    serializerOpts: { compileValidators: options.warmUp === true },
  }).withTypeProvider<TypeBoxTypeProvider>();

  const grants = new GrantService(config.dataDir, app.log);
  const trust = new PluginTrust(config, app.log);
  await trust.init();
  const pluginManager = new PluginManager(config, app.log, { grantsFor: grants.grantsFor, signatures: trust });
  await pluginManager.init();
  app.decorate('pluginManager', pluginManager);
  app.decorate('pluginGrants', grants);
  const versions = new PluginVersions(new VersionSettingsStore(config.dataDir));
  app.decorate('pluginVersions', versions);
  app.decorate('pluginGateway', new PluginGateway(pluginManager, config));
  const settings = new RuntimeSettingsStore(config.dataDir, app.log);
  await settings.init();
  app.decorate('runtimeSettings', settings);
  // The id the store knows this dashboard by: kept in OKO_DATA_DIR, sent on every store call, shown to no browser.
  const storeClient = createStoreClient(config, await loadInstanceId(config.dataDir, app.log));
  app.addHook('onClose', async () => pluginManager.shutdown());
  // OKO_PORT may be 0: the port plugins must never reach is the one actually bound.
  app.addHook('onListen', async () => {
    const address = app.server.address();
    if (address && typeof address === 'object') pluginManager.listenPorts = [address.port];
  });

  registerErrorHandler(app);
  // Before any route, all three: sign-in does not replace these two, a signed-in admin's browser needs them most.
  // Nothing ties a request to this dashboard but the name the browser used: a page whose own name
  // was re-pointed at 127.0.0.1 (DNS rebinding) is same-origin to the browser, so only the Host
  // header gives it away. Reads too: a rebound page must not read plugin data either.
  app.addHook('onRequest', knownHostGuard(config.allowedHosts, 'OKO_ALLOWED_HOSTS'));
  // This keeps another site's page from installing, loading or running plugins through the user's
  // browser (a form post needs no preflight).
  app.addHook('onRequest', crossSiteWriteGuard(config.allowedOrigins, 'OKO_ALLOWED_ORIGINS'));
  // Deny by default: one hook decides every route, plugin routes included (auth/access/access-table.ts).
  await registerAuth(app, config);
  await app.register(fastifySwagger, {
    openapi: {
      info: {
        title: 'OKO Dashboard backend',
        version: config.version,
        description: 'Plugin management, plugin routes, actions and the store integration',
      },
    },
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' });

  // The web UI when built, and reply.sendFile for every route (src/web-ui.ts).
  await registerWebUi(app, config.frontendDir, config.pluginsDir);

  await app.register(systemRoutes, {
    prefix: '/api/v1',
    config,
    bodyLimitBytes: BODY_LIMIT_BYTES,
    // Settings waits on it: at most 2 s, however long OKO_STORE_TIMEOUT_MS allows a catalog call.
    storeHealth: () => storeHealth(storeClient, Math.min(config.storeIntegration.timeoutMs, SETTINGS_HEALTH_TIMEOUT_MS)),
  });
  await app.register(pluginRoutes, { prefix: '/api/v1' });
  await app.register(pluginEnvRoutes, { prefix: '/api/v1' });
  await app.register(actionRoutes, { prefix: '/api/v1' });
  await app.register(pluginApiRoutes, { prefix: '/api/v1' });

  await app.register(trustRoutes, { prefix: '/api/v1', trust });
  await registerDevPlugins(app, config, pluginManager, grants);
  const policies = new PolicyConnection();
  await app.register(storeIntegration, {
    prefix: '/api/v1',
    config,
    client: storeClient,
    plugins: pluginManager,
    grants,
    signatures: trust,
    versions,
    policies,
  });
  await app.register(versionPolicies, {
    prefix: '/api/v1',
    connection: policies,
    intervalS: config.updateCheckIntervalS,
    plugins: pluginManager,
    grants,
  });

  return app;
}
