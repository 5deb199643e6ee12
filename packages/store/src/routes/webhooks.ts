import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errorResponses, GithubWebhookAnswer } from '@oko/shared';
import { Type } from '@fastify/type-provider-typebox';
import { assertGithubSignature, handleGithubEvent, parseWebhookBody } from '../services/github-refresh-webhook.js';
import type { StoreServices } from '../services/index.js';

/** GitHub's deliveries are small; a push payload is capped by GitHub well below this. */
const WEBHOOK_BODY_LIMIT = 1024 * 1024;

/**
 * POST /webhooks/github, registered only when OKO_STORE_GITHUB_WEBHOOK_SECRET is set (else an
 * unknown route, 404). It carries no store key: the HMAC of the body is its only credential, and
 * the cross-site guard lets it through because GitHub sends neither Origin nor Sec-Fetch-Site.
 */
export const webhookRoutes: FastifyPluginAsyncTypebox<{ services: StoreServices; secret: string }> = async (app, { services, secret }) => {
  // This plugin's own context: every body stays the exact bytes GitHub signed (a JSON parser would
  // hand over a re-serializable object, and the HMAC must be computed over the raw body).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: WEBHOOK_BODY_LIMIT }, (_request, body, done) => done(null, body));

  app.post(
    '/webhooks/github',
    {
      bodyLimit: WEBHOOK_BODY_LIMIT,
      schema: {
        tags: ['webhooks'],
        summary:
          'GitHub webhook (push, release, ping) signed with OKO_STORE_GITHUB_WEBHOOK_SECRET: refreshes the GitHub-imported plugins of the repository and branch',
        headers: Type.Object({
          'x-hub-signature-256': Type.Optional(Type.String({ description: 'sha256=<hex HMAC-SHA256 of the body with the secret>' })),
          'x-github-event': Type.Optional(Type.String({ description: 'push, release, ping; others are accepted and ignored' })),
        }),
        response: { 200: GithubWebhookAnswer, ...errorResponses('BAD_WEBHOOK_SIGNATURE', 'BAD_REQUEST', 'PAYLOAD_TOO_LARGE') },
      },
    },
    async (request) => {
      const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      assertGithubSignature(secret, raw, request.headers['x-hub-signature-256']);
      const payload = parseWebhookBody(raw, request.headers['content-type']);
      const event = request.headers['x-github-event'];
      const name = typeof event === 'string' ? event.trim() : '';
      if (name === 'ping') return { event: name, refreshed: [] };
      return handleGithubEvent(services.refresher, name, payload);
    },
  );
};
