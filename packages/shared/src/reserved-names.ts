import { PLUGIN_OPERATIONS } from './operations.js';

/**
 * Management operations and plugin routes share a path space: `/api/v1/plugins/{id}/<op>` and
 * `/api/v1/plugins/{api_prefix}/<route>`. So the first segment of a plugin route may not be one of
 * these words, today's operations and those the open work adds (versions, permissions), or a
 * plugin could shadow its own management path.
 */
export const RESERVED_ROUTE_SEGMENTS: readonly string[] = [
  ...PLUGIN_OPERATIONS,
  'manifest',
  'page',
  'static',
  'rollback',
  'pin',
  'unpin',
  'update-policy',
  'permissions',
  'env',
];

/**
 * Words of the dashboard's API that no plugin name or API prefix may take, so a path segment under
 * /api/v1 or /api/v1/plugins never means both a plugin and a part of the API.
 */
export const RESERVED_API_WORDS: readonly string[] = [
  'dev',
  'registry',
  'health',
  'upload',
  'updates',
  'store',
  'auth',
  'trust',
  'actions',
];

/** Why `name` (a plugin name or API prefix) cannot be used, or undefined when it can. */
export function reservedNameProblem(name: string): string | undefined {
  const word = name.toLowerCase();
  return RESERVED_API_WORDS.includes(word) || RESERVED_API_WORDS.includes(word.replace(/_/g, '-'))
    ? `'${name}' is a word of the dashboard's API (reserved: ${RESERVED_API_WORDS.join(', ')})`
    : undefined;
}

/** Why a plugin route path cannot be registered, or undefined when it can. */
export function reservedRouteProblem(path: string): string | undefined {
  const first = path.split('/').find((segment) => segment !== '');
  return first !== undefined && RESERVED_ROUTE_SEGMENTS.includes(first.toLowerCase())
    ? `route ${path} starts with '${first}', which names a management operation of every plugin (reserved: ${RESERVED_ROUTE_SEGMENTS.join(', ')})`
    : undefined;
}
