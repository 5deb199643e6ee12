import { createError, isValidPluginName } from '@oko/shared';
import { Type } from 'typebox';

/** Params schema for OpenAPI; the check itself is `pluginId` so a bad id is INVALID_PLUGIN_ID, not VALIDATION_FAILED. */
export const PluginIdParams = Type.Object({ id: Type.String({ description: 'Plugin id (manifest.json name)' }) });

/** Refuses ids that are not plugin names (`..`, `a/b`, upper case, too long) before any disk access. */
export function pluginId(params: { id: string }): string {
  if (!isValidPluginName(params.id)) {
    throw createError(
      'INVALID_PLUGIN_ID',
      `'${params.id.slice(0, 80)}' is not a valid plugin id (lower case letters, digits and _, 2 to 64 characters)`,
    );
  }
  return params.id;
}
