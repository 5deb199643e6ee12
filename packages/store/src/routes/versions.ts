import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@fastify/type-provider-typebox';
import { createError, errorResponses, hasCatalogIdShape, PluginNameParams, StoreVersionList } from '@oko/shared';
import { README_MAX_BYTES } from '../services/package-docs.js';
import type { StoreServices } from '../services/index.js';
import { sendCachedAnswer } from './cached-answer.js';
import { PluginIdParams } from './schemas.js';

/**
 * preValidation of a route named {name}: a segment with a catalog id's shape is refused with a
 * message saying so (names of that shape cannot be published), before the schema's plain "must
 * match pattern" for ids that start with a digit; the schema refuses anything else that is no name.
 */
export async function refuseCatalogId(request: { params: unknown }): Promise<void> {
  const name = (request.params as { name?: unknown }).name;
  if (typeof name === 'string' && hasCatalogIdShape(name)) {
    throw createError(
      'VALIDATION_FAILED',
      `'${name}' is a catalog id; this route takes a plugin name (GET /plugins/${name} names its entry)`,
    );
  }
}

/** A plugin's version history and its README (README, Version history in the store). */
export const versionRoutes: FastifyPluginAsyncTypebox<{ services: StoreServices }> = async (app, { services }) => {
  const { plugins } = services;

  app.get(
    '/plugins/:name/versions',
    {
      preValidation: refuseCatalogId,
      schema: {
        tags: ['plugins'],
        summary: 'Every version of a plugin name, newest first (semver order), each with its CHANGELOG.md section',
        params: PluginNameParams,
        response: { 200: StoreVersionList, ...errorResponses('VALIDATION_FAILED', 'PLUGIN_NOT_FOUND') },
      },
    },
    (request, reply) =>
      sendCachedAnswer(request, reply, plugins, `versions\n${request.params.name}`, (view) =>
        plugins.versionsOf(request.params.name, view),
      ),
  );

  app.get(
    '/plugins/:id/readme',
    {
      schema: {
        tags: ['plugins'],
        summary: `The package's README.md as text/markdown (untrusted: served sandboxed; over ${README_MAX_BYTES / 1024} KiB it is cut with a note)`,
        params: PluginIdParams,
        response: {
          200: Type.Unknown({ description: 'text/markdown; charset=utf-8' }),
          ...errorResponses('VALIDATION_FAILED', 'PLUGIN_NOT_FOUND', 'NOT_FOUND'),
        },
      },
    },
    async (request, reply) => {
      const readme = await plugins.readmeOf(request.params.id);
      // The text is the publisher's: a browser opening this URL must neither guess another type nor run anything in it.
      return reply
        .type('text/markdown; charset=utf-8')
        .header('x-content-type-options', 'nosniff')
        .header('content-security-policy', 'sandbox')
        .header('x-oko-readme-cut', String(readme.cut))
        .send(Buffer.from(readme.text, 'utf8'));
    },
  );
};
