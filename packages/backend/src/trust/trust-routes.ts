import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AddTrustedKey, errorResponses, KEY_ID_PATTERN, TrustedKey, TrustedKeyList } from '@oko/shared';
import { Type } from 'typebox';
import type { PluginTrust } from './plugin-trust.js';

const tags = ['trust'];
const KeyIdParams = Type.Object({ key_id: Type.String({ pattern: KEY_ID_PATTERN }) });

/**
 * /trust/keys: the public keys this dashboard trusts and the signature policy. A handler calls one
 * method of TrustedKeys; adding or removing a key changes the signature state of plugins at once.
 */
export const trustRoutes: FastifyPluginAsyncTypebox<{ trust: PluginTrust }> = async (app, { trust }) => {
  app.get(
    '/trust/keys',
    {
      schema: {
        tags,
        summary: 'Trusted public keys (OKO_TRUSTED_KEYS and added ones) and the signature policy',
        response: { 200: TrustedKeyList },
      },
    },
    async () => trust.keyList(),
  );

  app.post(
    '/trust/keys',
    {
      schema: {
        tags,
        summary: 'Trust an Ed25519 public key (SPKI PEM); the server computes its key_id',
        body: AddTrustedKey,
        response: {
          201: TrustedKey,
          ...errorResponses('VALIDATION_FAILED', 'CROSS_SITE_REQUEST', 'INVALID_PUBLIC_KEY', 'TRUSTED_KEY_EXISTS'),
        },
      },
    },
    async (request, reply) => reply.status(201).send(await trust.keys.add(request.body.name, request.body.public_key)),
  );

  app.delete(
    '/trust/keys/:key_id',
    {
      schema: {
        tags,
        summary: 'Stop trusting a key added here (a key from OKO_TRUSTED_KEYS is removed by deleting its file)',
        params: KeyIdParams,
        response: {
          200: TrustedKey,
          ...errorResponses('VALIDATION_FAILED', 'CROSS_SITE_REQUEST', 'TRUSTED_KEY_NOT_FOUND', 'TRUSTED_KEY_READ_ONLY'),
        },
      },
    },
    async (request) => trust.keys.remove(request.params.key_id),
  );
};
