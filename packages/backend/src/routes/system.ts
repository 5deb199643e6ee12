import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  BackendInfo,
  createError,
  errorResponses,
  PLUGIN_API_VERSION,
  RuntimeConfig,
  RuntimeSettings,
  RuntimeSettingsUpdate,
  type StoreHealthReport,
} from '@oko/shared';
import { Type } from 'typebox';
import type { BackendConfig } from '../config.js';
import { runtimeConfig } from '../settings/runtime-config.js';
import { settingsChangeProblem } from '../settings/runtime-settings.js';

export interface SystemRoutesOptions {
  config: BackendConfig;
  bodyLimitBytes: number;
  /** The store's health measured now, within a short bound (the config page waits on it). */
  storeHealth: () => Promise<StoreHealthReport>;
}

const tags = ['system'];

/** Health for probes, info and the runtime configuration for the UI's Settings tab, and the server-side settings. */
export const systemRoutes: FastifyPluginAsyncTypebox<SystemRoutesOptions> = async (app, { config, bodyLimitBytes, storeHealth }) => {
  app.get('/health', { schema: { tags, response: { 200: Type.Object({ status: Type.Literal('ok') }) } } }, async () => ({
    status: 'ok' as const,
  }));

  app.get('/info', { schema: { tags, summary: 'Version and folders of this backend', response: { 200: BackendInfo } } }, async () => ({
    version: config.version,
    plugins_dir: config.pluginsDir,
    builtin_plugins_dir: config.builtinPluginsDir,
    data_dir: config.dataDir,
    store_url: config.storeUrl,
    node: process.version,
    plugin_api_version: PLUGIN_API_VERSION,
  }));

  app.get(
    '/system/config',
    {
      schema: {
        tags,
        summary: 'The configuration in force: store (health measured now), folders, limits, policies, settings; admin only, no secrets',
        response: { 200: RuntimeConfig, ...errorResponses('UNAUTHORIZED', 'FORBIDDEN') },
      },
    },
    async () =>
      runtimeConfig({
        config,
        bodyLimitBytes,
        store: await storeHealth(),
        signInOn: app.auth.mode().on,
        settings: app.runtimeSettings.get(),
      }),
  );

  app.get(
    '/system/settings',
    {
      schema: {
        tags,
        summary: 'The server-side settings every browser obeys (custom_bundles_enabled); any signed-in user',
        response: { 200: RuntimeSettings },
      },
    },
    async () => app.runtimeSettings.get(),
  );

  app.put(
    '/system/settings',
    {
      // Before the schema's own check, which would drop an unknown field rather than refuse it.
      preValidation: async (request) => {
        const problem = settingsChangeProblem(request.body);
        if (problem) throw createError('VALIDATION_FAILED', problem);
      },
      schema: {
        tags,
        summary: 'Change server-side settings (admin); kept in OKO_DATA_DIR/settings.json; answers the settings now in force',
        body: RuntimeSettingsUpdate,
        response: { 200: RuntimeSettings, ...errorResponses('VALIDATION_FAILED', 'UNAUTHORIZED', 'FORBIDDEN', 'CROSS_SITE_REQUEST') },
      },
    },
    async (request) => app.runtimeSettings.update(request.body),
  );
};
