import { ApiErrorBody } from '@oko/shared';
import { Type } from '@fastify/type-provider-typebox';

/** The error body without its $id, so every route can embed it in its docs. */
export const ErrorResponse = Type.Object(ApiErrorBody.properties, { description: '{"error":{"code","message"}}' });

export const PluginIdParams = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$', description: 'Catalog id, or a plugin name (newest version)' }),
});

export const errors = (...statuses: number[]) => Object.fromEntries(statuses.map((s) => [s, ErrorResponse]));
