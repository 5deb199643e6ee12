import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errorResponses, PluginNameParams, RefreshResult } from '@oko/shared';
import { callerOf } from '../lib/api-key.js';
import { toCatalogEntry } from '../services/catalog-record.js';
import type { StoreServices } from '../services/index.js';

export const refreshRoutes: FastifyPluginAsyncTypebox<{ services: StoreServices }> = async (app, { services }) => {
  app.post(
    '/plugins/:name/refresh',
    {
      onRequest: services.auth.publish,
      schema: {
        tags: ['uploads'],
        summary:
          'Import a GitHub-imported plugin again from the repository, branch and subdirectory it was imported from: a new version is published (201), the same content is a no-op (200)',
        params: PluginNameParams,
        response: {
          201: RefreshResult,
          200: RefreshResult,
          ...errorResponses(
            'VALIDATION_FAILED',
            'UNAUTHORIZED',
            'CROSS_SITE_REQUEST',
            'TOKEN_NOT_ALLOWED',
            'NOT_OWNER',
            'PLUGIN_NOT_FOUND',
            'NOT_TRACKED',
            'PLUGIN_ALREADY_EXISTS',
            'INVALID_REPO_URL',
            'GITHUB_NOT_FOUND',
            'PAYLOAD_TOO_LARGE',
            'INVALID_ARCHIVE',
            'INVALID_MANIFEST',
            'INVALID_SIGNATURE',
            'GITHUB_UPSTREAM_ERROR',
            'CATALOG_READ_ONLY',
          ),
        },
      },
    },
    async (request, reply) => {
      const { status, record } = await services.refresher.refresh(request.params.name, callerOf(request));
      const message =
        status === 'published'
          ? `Plugin ${record.name} ${record.version} published from ${record.source_url}`
          : `Plugin ${record.name} ${record.version}: ${record.source_url} holds the same package, nothing changed`;
      return reply.status(status === 'published' ? 201 : 200).send({ status, plugin: toCatalogEntry(record), message });
    },
  );
};
