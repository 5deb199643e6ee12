import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errorResponses, RollbackAnswer, type RollbackAnswer as RollbackAnswerType } from '@oko/shared';
import { Type } from 'typebox';
import { PluginIdParams, pluginId } from '../../routes/plugin-id.js';

/** What the route calls (PluginInstaller.rollback). */
export interface RollbackPort {
  rollback(ref: string, options?: { acceptPermissions?: boolean }): Promise<RollbackAnswerType>;
}

const RollbackRequest = Type.Object(
  {
    accept_permissions: Type.Optional(
      Type.Boolean({ description: 'Grant what the earlier version declares beyond the current grant (else 409 PERMISSIONS_CHANGED)' }),
    ),
  },
  { additionalProperties: false },
);

/** POST /plugins/{id}/rollback (README "Installing a version, updates, rollback and the package cache"). */
export const rollbackRoutes: FastifyPluginAsyncTypebox<{ rollbacks: RollbackPort }> = async (app, { rollbacks }) => {
  app.post(
    '/plugins/:id/rollback',
    {
      schema: {
        tags: ['plugins'],
        summary: 'Return to the version installed before the current one, from the package cache (works with the store down)',
        description:
          'Each call goes one install further back while the package cache holds it (the installed version and the two installed before it). ' +
          '409 NO_ROLLBACK when no earlier version is kept; a plugin that was active is loaded again. The body is optional.',
        params: PluginIdParams,
        body: Type.Union([RollbackRequest, Type.Null()], { description: 'Optional' }),
        response: {
          200: RollbackAnswer,
          ...errorResponses(
            'INVALID_PLUGIN_ID',
            'VALIDATION_FAILED',
            'CROSS_SITE_REQUEST',
            'NOT_INSTALLED',
            'NO_ROLLBACK',
            'ILLEGAL_TRANSITION',
            'PERMISSIONS_CHANGED',
            'DEPENDENCY_CONFLICT',
            'INCOMPATIBLE',
            'INSTALL_IN_PROGRESS',
            'INVALID_PACKAGE',
            'PLUGIN_NAME_TAKEN',
            'PLUGINS_DIR_NOT_WRITABLE',
            'INSUFFICIENT_STORAGE',
          ),
        },
      },
    },
    async (request) => rollbacks.rollback(pluginId(request.params), { acceptPermissions: request.body?.accept_permissions === true }),
  );
};
