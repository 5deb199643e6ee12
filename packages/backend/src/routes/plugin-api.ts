import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { API_PREFIX_PATTERN, createError } from '@oko/shared';
import { Type } from 'typebox';
import { pluginContent, sendPluginReply, toPluginRequest } from './plugin-reply.js';

const prefixRe = new RegExp(API_PREFIX_PATTERN);

/**
 * ANY /api/v1/plugins/{api_prefix}/*: the routes active plugins registered, served by their
 * hosts. Registered in a scope of its own so any content type reaches the plugin (as text).
 */
export const pluginApiRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));

  app.all(
    '/plugins/:id/*',
    {
      ...pluginContent,
      schema: {
        tags: ['plugin routes'],
        summary: 'Routes registered by an active plugin under its api_prefix',
        params: Type.Object({ id: Type.String({ description: "The plugin's api_prefix" }), '*': Type.String() }),
      },
    },
    async (request, reply) => {
      const prefix = request.params.id;
      if (!prefixRe.test(prefix)) throw createError('ROUTE_NOT_FOUND', `No active plugin serves /api/v1/plugins/${prefix.slice(0, 80)}`);
      const { pluginId, answer } = await app.pluginGateway.forward(prefix, toPluginRequest(request, `/${request.params['*']}`));
      return sendPluginReply(reply, answer, { pluginId, apiPrefix: prefix, log: request.log });
    },
  );
};
