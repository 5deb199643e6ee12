import type { FastifyInstance } from 'fastify';
import type { BackendConfig } from '../config.js';
import type { GrantService } from '../permissions/grant-service.js';
import type { PluginManager } from '../plugin-manager/plugin-manager.js';
import { DevPlugins } from './dev-plugin-service.js';
import { devPluginRoutes } from './routes.js';

export { DevPlugins } from './dev-plugin-service.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Development plugins: pushes, leases, log streams (src/dev-plugins/). */
    devPlugins: DevPlugins;
  }
}

/**
 * Development plugins (README "Development plugins"): removes what a previous run left, then
 * serves /api/v1/dev/plugins. Call once the plugin manager is initialised, before the restore,
 * so no plugin of the previous run is loaded again.
 */
export async function registerDevPlugins(
  app: FastifyInstance,
  config: BackendConfig,
  plugins: PluginManager,
  grants: GrantService,
): Promise<void> {
  const service = new DevPlugins(config.devPluginsDir, plugins, grants, app.log);
  await service.init();
  app.decorate('devPlugins', service);
  // preClose, not onClose: an open log stream is no idle connection, and the server waits for it to end.
  app.addHook('preClose', async () => service.close());
  await app.register(devPluginRoutes, { prefix: '/api/v1', service, config });
}
