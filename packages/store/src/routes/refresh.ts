import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errorResponses, GITHUB_IMPORT_ERRORS, PluginNameParams, RefreshResult } from '@oko/shared';
import { callerOf } from '../lib/api-key.js';
import type { StoreServices } from '../services/index.js';
import { refuseCatalogId } from './versions.js';

export const refreshRoutes: FastifyPluginAsyncTypebox<{ services: StoreServices }> = async (app, { services }) => {
  app.post(
    '/plugins/:name/refresh',
    {
      onRequest: services.auth.publish,
      preValidation: refuseCatalogId,
      schema: {
        tags: ['uploads'],
        summary:
          'Import a GitHub-imported plugin again from the repository, branch and subdirectory it was imported from: a new version is published (201), the same content is a no-op (200)',
        params: PluginNameParams,
        response: {
          201: RefreshResult,
          200: RefreshResult,
          // What an import can answer, and what only a refresh can: the name is unknown or was never imported from GitHub.
          ...errorResponses(...GITHUB_IMPORT_ERRORS, 'PLUGIN_NOT_FOUND', 'NOT_TRACKED'),
        },
      },
    },
    async (request, reply) => {
      const { status, record } = await services.refresher.refresh(request.params.name, callerOf(request));
      const message =
        status === 'published'
          ? `Plugin ${record.name} ${record.version} published from ${record.source_url}`
          : `Plugin ${record.name} ${record.version}: ${record.source_url} holds the same package, nothing changed`;
      return reply.status(status === 'published' ? 201 : 200).send({ status, plugin: await services.plugins.present(record), message });
    },
  );
};
