import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errorResponses, PluginNameParams, REVIEW_POST_ERRORS, Review, ReviewList, ReviewListQuery, ReviewRequest } from '@oko/shared';
import type { StoreReviews } from '../reviews/store-reviews.js';

const tags = ['store'];
const relayErrors = ['STORE_UNAVAILABLE', 'BAD_STORE_ANSWER'] as const;

/** /store/{name}/reviews: the store's reviews of a plugin, read and written in this dashboard's name. */
export const reviewRoutes: FastifyPluginAsyncTypebox<{ reviews: StoreReviews }> = async (app, { reviews }) => {
  app.get(
    '/store/:name/reviews',
    {
      schema: {
        tags,
        summary: "A plugin's reviews in the store, newest first, with its rating and this dashboard's own review (`mine`)",
        params: PluginNameParams,
        querystring: ReviewListQuery,
        response: { 200: ReviewList, ...errorResponses('VALIDATION_FAILED', 'PLUGIN_NOT_FOUND', ...relayErrors) },
      },
    },
    async (request) => reviews.list(request.params.name, request.query),
  );

  app.post(
    '/store/:name/reviews',
    {
      schema: {
        tags,
        summary: "Rate and review an installed plugin in this dashboard's name (a new post replaces the dashboard's review)",
        description:
          'The installed version is added. Sent with OKO_STORE_TOKEN when set, and always with X-OKO-Instance. ' +
          '404 NOT_INSTALLED for a plugin not installed here from the store (builtin plugins included).',
        params: PluginNameParams,
        body: ReviewRequest,
        response: {
          200: Review,
          201: Review,
          ...errorResponses(...REVIEW_POST_ERRORS, 'NOT_INSTALLED', 'FORBIDDEN', ...relayErrors),
        },
      },
    },
    async (request, reply) => {
      const answer = await reviews.post(request.params.name, request.body);
      return reply.status(answer.status).send(answer.body);
    },
  );
};
