import { Type, type Static } from 'typebox';
import { isValidPluginName } from '../manifest.js';

/**
 * Structured `details` of store errors that a dialog acts on. The backend relays a store error's
 * details only when they have one of these shapes (a store is untrusted, and the browser builds a
 * link from them).
 */

/** PLUGIN_ALREADY_EXISTS: the entry that holds this name and version, so an upload can offer it. */
export const AlreadyPublished = Type.Object({
  plugin_id: Type.String({ description: 'Catalog id of the entry already in the catalog' }),
  name: Type.String(),
  version: Type.String(),
});
export type AlreadyPublished = Static<typeof AlreadyPublished>;

const CATALOG_ID_RE = /^[A-Za-z0-9_-]{1,64}$/;

/** `details` as AlreadyPublished when it has exactly that shape, with a name and id safe to put in a URL. */
export function alreadyPublishedOf(details: unknown): AlreadyPublished | undefined {
  if (!details || typeof details !== 'object') return undefined;
  const { plugin_id, name, version } = details as Record<string, unknown>;
  if (typeof plugin_id !== 'string' || !CATALOG_ID_RE.test(plugin_id)) return undefined;
  if (typeof name !== 'string' || !isValidPluginName(name)) return undefined;
  if (typeof version !== 'string' || version.length === 0 || version.length > 64) return undefined;
  return { plugin_id, name, version };
}
