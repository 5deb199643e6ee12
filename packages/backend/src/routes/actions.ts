import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ActionExecuteAnswer, ActionExecuteRequest, ActionRegistry, errorResponses } from '@oko/shared';

const tags = ['actions'];

/** The action gateway: capabilities of active plugins, run by type. */
export const actionRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/actions/execute',
    {
      schema: {
        tags,
        summary: 'Run the action of an active plugin that declared its capability',
        body: ActionExecuteRequest,
        response: {
          200: ActionExecuteAnswer,
          ...errorResponses(
            'VALIDATION_FAILED',
            'CAPABILITY_NOT_DECLARED',
            'CROSS_SITE_REQUEST',
            'ACTION_NOT_FOUND',
            'PLUGIN_ROUTE_FAILED',
            'PLUGIN_TIMEOUT',
          ),
        },
      },
    },
    async (request) => app.pluginGateway.executeAction(request.body),
  );

  app.get('/actions/registry', { schema: { tags, summary: 'Actions available now', response: { 200: ActionRegistry } } }, async () => {
    const actions = app.pluginGateway.actions();
    return { actions, total: actions.length };
  });
};
