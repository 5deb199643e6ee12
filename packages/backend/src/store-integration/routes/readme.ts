import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import { CatalogRef, createError, errorResponses, hasCatalogIdShape, StorePluginParams } from '@oko/shared';
import { Type } from 'typebox';
import type { StoreClient } from '../client/store-client.js';
import { readmeAssetPath } from '../readme/asset-path.js';

const tags = ['store'];
const errors = errorResponses('VALIDATION_FAILED', 'PLUGIN_NOT_FOUND', 'NOT_FOUND', 'STORE_UNAVAILABLE', 'BAD_STORE_ANSWER');
/** An image is drawn, never run: an SVG opened on its own gets no script, no fetch, no plugin of its own origin. */
const IMAGE_CSP = "sandbox; default-src 'none'; style-src 'unsafe-inline'";

/**
 * A version's files never change once published, so what a catalog id names may be kept a day;
 * what a name names changes with the newest version. Private: with sign-in on it is a signed-in read.
 */
function cacheFor(ref: string): string {
  return hasCatalogIdShape(ref) ? 'private, max-age=86400, immutable' : 'private, max-age=300';
}

/** The publisher's text and images, relayed for the store details page: never trusted, never given a type the store chose. */
function untrusted(reply: FastifyReply, type: string, csp: string, ref: string): FastifyReply {
  return reply
    .type(type)
    .header('x-content-type-options', 'nosniff')
    .header('content-security-policy', csp)
    .header('cache-control', cacheFor(ref));
}

/** /store/{plugin_id}/readme and /assets/{*path}: a package's README and the images it links, from the store. */
export const readmeRoutes: FastifyPluginAsyncTypebox<{ client: StoreClient }> = async (app, { client }) => {
  app.get(
    '/store/:plugin_id/readme',
    {
      schema: {
        tags,
        summary: "The package's README.md as text/markdown, from the store (X-Oko-Readme-Cut: true when the store cut it)",
        params: StorePluginParams,
        response: { 200: Type.Unknown({ description: 'text/markdown; charset=utf-8' }), ...errors },
      },
    },
    async (request, reply) => {
      const readme = await client.readme(request.params.plugin_id);
      return untrusted(reply, 'text/markdown; charset=utf-8', 'sandbox', request.params.plugin_id)
        .header('x-oko-readme-cut', String(readme.cut))
        .send(Buffer.from(readme.text, 'utf8'));
    },
  );

  app.get(
    '/store/:plugin_id/assets/*',
    {
      schema: {
        tags,
        summary: 'An image a README links to, from the package in the store (png, jpg, gif, webp, avif, svg; at most 2 MiB)',
        description: 'The type comes from the extension, whatever the store says; any other file is 400 VALIDATION_FAILED.',
        params: Type.Object({ plugin_id: CatalogRef, '*': Type.String({ maxLength: 1024 }) }),
        response: { 200: Type.Unknown({ description: 'the image' }), ...errors },
      },
    },
    async (request, reply) => {
      const asset = readmeAssetPath(request.params['*']);
      if (typeof asset === 'string') throw createError('VALIDATION_FAILED', `Not a README image: ${asset}`);
      const bytes = await client.readmeAsset(request.params.plugin_id, asset.segments);
      return untrusted(reply, asset.contentType, IMAGE_CSP, request.params.plugin_id).send(bytes);
    },
  );
};
