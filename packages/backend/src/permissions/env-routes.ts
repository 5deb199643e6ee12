import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { createError, errorResponses, PluginEnvAnswer, PluginEnvUpdate, type PluginPermissions } from '@oko/shared';
import { PluginIdParams, pluginId } from '../routes/plugin-id.js';

const tags = ['plugins'];

/**
 * /plugins/{id}/env: the values an admin enters for the env names a plugin declares
 * (manifest.json permissions.env). They live in the backend's data folder, reach only that
 * plugin's process, and are never sent back: the answer says only which names have a value.
 */
export const pluginEnvRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const declaredOf = async (id: string): Promise<PluginPermissions | undefined> => {
    const details = await app.pluginManager.get(id);
    if (!details) throw createError('PLUGIN_NOT_FOUND', `No plugin '${id}' in the plugins folder`);
    return details.manifest?.permissions;
  };

  app.get(
    '/plugins/:id/env',
    {
      schema: {
        tags,
        summary: 'Env names the plugin declares and whether each has a value (values are never shown)',
        params: PluginIdParams,
        response: { 200: PluginEnvAnswer, ...errorResponses('INVALID_PLUGIN_ID', 'VALIDATION_FAILED', 'PLUGIN_NOT_FOUND') },
      },
    },
    async (request) => {
      const id = pluginId(request.params);
      return app.pluginGrants.envOf(id, await declaredOf(id));
    },
  );

  app.put(
    '/plugins/:id/env',
    {
      schema: {
        tags,
        summary: "Set env values of a plugin (null or '' removes one); they apply on its next load",
        params: PluginIdParams,
        body: PluginEnvUpdate,
        response: {
          200: PluginEnvAnswer,
          ...errorResponses('INVALID_PLUGIN_ID', 'VALIDATION_FAILED', 'CROSS_SITE_REQUEST', 'PLUGIN_NOT_FOUND', 'ENV_NOT_DECLARED'),
        },
      },
    },
    async (request) => {
      const id = pluginId(request.params);
      return app.pluginGrants.setEnv(id, await declaredOf(id), request.body.values);
    },
  );
};
