import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { CreatedPublisher, CreatePublisher, errorResponses, PublisherIdParams, PublisherInfo, PublisherList } from '@oko/shared';
import type { StoreServices } from '../services/index.js';

const ADMIN_ERRORS = ['UNAUTHORIZED', 'TOKEN_NOT_ALLOWED', 'CROSS_SITE_REQUEST'] as const;

/** The store admin hands out publisher and dashboard tokens and revokes them (OKO_STORE_API_KEY only). */
export const publisherRoutes: FastifyPluginAsyncTypebox<{ services: StoreServices }> = async (app, { services }) => {
  const { publishers, auth } = services;

  app.get(
    '/publishers',
    {
      onRequest: auth.admin,
      schema: {
        tags: ['publishers'],
        summary: 'The tokens, without their secrets (admin key only)',
        response: { 200: PublisherList, ...errorResponses(...ADMIN_ERRORS) },
      },
    },
    async () => ({ publishers: await publishers.list() }),
  );

  app.post(
    '/publishers',
    {
      onRequest: auth.admin,
      schema: {
        tags: ['publishers'],
        summary: 'Create a publisher or dashboard token; the token is in this answer only (admin key only)',
        body: CreatePublisher,
        response: { 201: CreatedPublisher, ...errorResponses('VALIDATION_FAILED', 'PUBLISHER_EXISTS', ...ADMIN_ERRORS) },
      },
    },
    async (request, reply) => {
      const { id, name, kind, token } = await publishers.create(request.body.name, request.body.kind);
      return reply.status(201).send({ id, name, kind, token });
    },
  );

  app.delete(
    '/publishers/:id',
    {
      onRequest: auth.admin,
      schema: {
        tags: ['publishers'],
        summary: 'Revoke a token at once; the names it owns stay its own (admin key only)',
        params: PublisherIdParams,
        response: { 200: PublisherInfo, ...errorResponses('VALIDATION_FAILED', 'PUBLISHER_NOT_FOUND', ...ADMIN_ERRORS) },
      },
    },
    async (request) => publishers.remove(request.params.id),
  );
};
