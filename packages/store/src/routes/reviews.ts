import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  checkSchema,
  createError,
  errorResponses,
  formatIssues,
  INSTANCE_HEADER,
  PluginNameParams,
  Review,
  REVIEW_POST_ERRORS,
  ReviewDeleted,
  ReviewList,
  ReviewListQuery,
  ReviewParams,
  ReviewRequest,
} from '@oko/shared';
import type { FastifyRequest } from 'fastify';
import type { Reviewer } from '../lib/dashboard-identity.js';
import type { StoreServices } from '../services/index.js';
import { refuseCatalogId } from './versions.js';

/**
 * The body exactly as the schema says, before Fastify's validator coerces `"5"` to 5 or drops
 * fields it does not know: a review is what its author sent, or refused.
 */
async function strictReviewBody(request: { body: unknown }): Promise<void> {
  const issues = checkSchema(ReviewRequest, request.body, 'body');
  if (issues.length > 0) throw createError('VALIDATION_FAILED', formatIssues(issues.slice(0, 5)));
}

const WHO =
  `On a store with OKO_STORE_API_KEY the dashboard's token (Authorization: Bearer); on an open store the ${INSTANCE_HEADER} header. ` +
  'One review per reviewer and plugin name.';

/** Reviews of a plugin name (README, Ratings, reviews and install counts). */
export const reviewRoutes: FastifyPluginAsyncTypebox<{ services: StoreServices }> = async (app, { services }) => {
  const { reviews, identity, auth } = services;
  // Who posts is settled before the body is read, as the key is for other writes.
  const reviewers = new WeakMap<FastifyRequest, Reviewer>();
  const identifyReviewer = async (request: FastifyRequest): Promise<void> => {
    reviewers.set(request, await identity.reviewerOf(request));
  };

  app.get(
    '/plugins/:name/reviews',
    {
      preValidation: refuseCatalogId,
      schema: {
        tags: ['reviews'],
        summary: `A page of the reviews of a plugin name, newest first, with its rating; \`mine\` when the caller names itself. ${WHO}`,
        params: PluginNameParams,
        querystring: ReviewListQuery,
        response: { 200: ReviewList, ...errorResponses('VALIDATION_FAILED', 'PLUGIN_NOT_FOUND') },
      },
    },
    async (request) => reviews.list(request.params.name, request.query, await identity.knownReviewerOf(request)),
  );

  app.post(
    '/plugins/:name/reviews',
    {
      onRequest: identifyReviewer,
      preValidation: [refuseCatalogId, strictReviewBody],
      schema: {
        tags: ['reviews'],
        summary: `Rate and review a plugin name: 201 for a first review, 200 when it replaces the reviewer's earlier one. ${WHO}`,
        params: PluginNameParams,
        body: ReviewRequest,
        response: { 200: Review, 201: Review, ...errorResponses(...REVIEW_POST_ERRORS) },
      },
    },
    async (request, reply) => {
      const { review, created } = await reviews.post(request.params.name, request.body, reviewers.get(request) as Reviewer);
      return reply.status(created ? 201 : 200).send(review);
    },
  );

  app.delete(
    '/plugins/:name/reviews/:review_id',
    {
      onRequest: auth.moderate,
      schema: {
        tags: ['reviews'],
        summary: "Delete a review (the store admin's key; anyone on an open store)",
        params: ReviewParams,
        response: {
          200: ReviewDeleted,
          ...errorResponses(
            'VALIDATION_FAILED',
            'UNAUTHORIZED',
            'TOKEN_NOT_ALLOWED',
            'CROSS_SITE_REQUEST',
            'PLUGIN_NOT_FOUND',
            'REVIEW_NOT_FOUND',
            'CATALOG_READ_ONLY',
          ),
        },
      },
    },
    async (request) => {
      const review = await reviews.remove(request.params.name, request.params.review_id);
      return { success: true, review_id: review.id, message: `Review by ${review.reviewer} of plugin ${review.plugin} deleted` };
    },
  );
};
