import { createHash } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@fastify/type-provider-typebox';
import { CatalogRef, createError, errorResponses, README_ASSET_MAX_BYTES, README_ASSET_TYPES } from '@oko/shared';
import { ifNoneMatch } from '@oko/shared/server';
import { assetPathProblem } from '../services/readme-assets.js';
import type { StoreServices } from '../services/index.js';

const AssetParams = Type.Object({ id: CatalogRef, '*': Type.String({ maxLength: 1024 }) });

/** The images a package's README links, served from the package (README, Ratings, reviews and install counts). */
export const assetRoutes: FastifyPluginAsyncTypebox<{ services: StoreServices }> = async (app, { services }) => {
  const { plugins } = services;

  app.get(
    '/plugins/:id/assets/*',
    {
      schema: {
        tags: ['plugins'],
        summary:
          `An image of the package a README links (${Object.keys(README_ASSET_TYPES).join(', ')}; ≤ ${README_ASSET_MAX_BYTES / (1024 * 1024)} MiB), ` +
          'sandboxed; immutable when {id} is a catalog id',
        params: AssetParams,
        response: {
          200: Type.Unknown({ description: 'the image, with its content type' }),
          304: Type.Unknown({ description: 'If-None-Match names its ETag' }),
          ...errorResponses('VALIDATION_FAILED', 'PLUGIN_NOT_FOUND', 'NOT_FOUND'),
        },
      },
    },
    async (request, reply) => {
      const relative = request.params['*'];
      const problem = assetPathProblem(request.url.split('?')[0] ?? '', relative);
      if (problem) throw createError('VALIDATION_FAILED', `The asset path ${JSON.stringify(relative)} is refused: ${problem}`);
      const asset = await plugins.readmeAssetOf(request.params.id, relative);
      // A catalog id names one package, whose files never change; a plugin name moves to each new version.
      const byId = asset.record.id === request.params.id;
      const etag = `"${asset.record.sha256.slice(0, 16)}-${createHash('sha256').update(relative).digest('base64url').slice(0, 16)}"`;
      reply
        .header('etag', etag)
        .header('cache-control', byId ? 'public, max-age=31536000, immutable' : 'no-cache')
        .header('x-content-type-options', 'nosniff')
        // An SVG is a document that can hold script: opened by itself it runs nothing and loads nothing.
        .header('content-security-policy', "sandbox; default-src 'none'; style-src 'unsafe-inline'")
        .header('content-disposition', 'inline');
      if (ifNoneMatch(request.headers['if-none-match'], etag)) return reply.code(304).send();
      return reply.type(asset.type).send(asset.body);
    },
  );
};
