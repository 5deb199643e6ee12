import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { BackendInfo, PLUGIN_API_VERSION } from '@oko/shared';
import { Type } from 'typebox';
import type { BackendConfig } from '../config.js';

/** Health for probes, info for the UI's Settings tab. */
export const systemRoutes: FastifyPluginAsyncTypebox<{ config: BackendConfig }> = async (app, { config }) => {
  app.get('/health', { schema: { tags: ['system'], response: { 200: Type.Object({ status: Type.Literal('ok') }) } } }, async () => ({
    status: 'ok' as const,
  }));

  app.get(
    '/info',
    { schema: { tags: ['system'], summary: 'Version and folders of this backend', response: { 200: BackendInfo } } },
    async () => ({
      version: config.version,
      plugins_dir: config.pluginsDir,
      builtin_plugins_dir: config.builtinPluginsDir,
      data_dir: config.dataDir,
      store_url: config.storeUrl,
      node: process.version,
      plugin_api_version: PLUGIN_API_VERSION,
    }),
  );
};
