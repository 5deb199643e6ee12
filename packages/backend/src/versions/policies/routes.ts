import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  AvailableUpdates,
  createError,
  errorResponses,
  PluginVersionSettingsAnswer,
  UpdateCheckAnswer,
  UpdatePolicyRequest,
  type PluginVersionSettingsAnswer as SettingsAnswer,
} from '@oko/shared';
import { PluginIdParams, pluginId } from '../../routes/plugin-id.js';
import type { VersionSettings } from '../version-settings.js';
import { availableUpdates, type AvailableUpdatesOptions } from './available-updates.js';
import type { UpdateCheck } from './update-check.js';

export interface PolicyRoutesOptions {
  check: UpdateCheck;
  updates: AvailableUpdatesOptions;
}

const settingsErrors = errorResponses(
  'INVALID_PLUGIN_ID',
  'VALIDATION_FAILED',
  'CROSS_SITE_REQUEST',
  'NOT_INSTALLED',
  'ILLEGAL_TRANSITION',
);

/** Pins, update policies, the update count and the policy check on demand (README "Pins and update policies"). */
export const policyRoutes: FastifyPluginAsyncTypebox<PolicyRoutesOptions> = async (app, { check, updates }) => {
  const versions = app.pluginVersions;

  /** Changes the settings of an installed external plugin; builtin plugins have no versions to hold. */
  async function change(rawId: string, fn: (current: VersionSettings) => VersionSettings, message: string): Promise<SettingsAnswer> {
    const id = pluginId({ id: rawId });
    const plugin = await app.pluginManager.get(id);
    if (!plugin) throw createError('NOT_INSTALLED', `No installed plugin '${id}'`);
    if (plugin.scope !== 'external') {
      const what = plugin.scope === 'builtin' ? 'is built into the backend' : 'is a development plugin (oko-plugin dev)';
      throw createError('ILLEGAL_TRANSITION', `Plugin '${id}' ${what}: it has no store versions to pin or update`);
    }
    await versions.settings.update(id, fn);
    return { plugin_id: id, versions: await versions.stateOf(id), message: `Plugin ${id} ${message}` };
  }

  const settingsRoute = (summary: string) => ({
    schema: { tags: ['plugins'], summary, params: PluginIdParams, response: { 200: PluginVersionSettingsAnswer, ...settingsErrors } },
  });

  app.post('/plugins/:id/pin', settingsRoute('Pin a plugin: the update policy check leaves it where it is'), async (request) =>
    change(request.params.id, (current) => ({ ...current, pinned: true }), 'pinned: automatic updates leave it alone'),
  );

  app.post('/plugins/:id/unpin', settingsRoute('Unpin a plugin: its update policy applies again'), async (request) =>
    change(request.params.id, (current) => ({ ...current, pinned: false }), 'unpinned'),
  );

  app.put(
    '/plugins/:id/update-policy',
    {
      schema: {
        ...settingsRoute('Set how far the update policy check may move a plugin').schema,
        description:
          'manual (default): never; patch: within its major.minor; minor: within its major; major: any newer. Never a prerelease unless the installed version is one.',
        body: UpdatePolicyRequest,
      },
    },
    async (request) => {
      const policy = request.body.update_policy;
      return change(request.params.id, (current) => ({ ...current, update_policy: policy }), `update policy set to ${policy}`);
    },
  );

  app.get(
    '/store/updates',
    {
      schema: {
        tags: ['store'],
        summary: 'Installed plugins the store has a newer version of',
        description:
          'available: false with the reason when the store did not answer. added_permissions: what the newer version asks for beyond the grant.',
        response: { 200: AvailableUpdates },
      },
    },
    async () => availableUpdates(updates),
  );

  app.post(
    '/store/updates/check',
    {
      schema: {
        tags: ['store'],
        summary: 'Run the update policy check now and answer what it did',
        description: 'The round the schedule (OKO_UPDATE_CHECK_INTERVAL_S) runs; while a round runs, this answers that round.',
        response: { 200: UpdateCheckAnswer, ...errorResponses('CROSS_SITE_REQUEST') },
      },
    },
    async () => check.run(),
  );
};
