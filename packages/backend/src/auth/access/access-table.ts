/** Who may call a route: anyone, a signed-in viewer (or admin), or an admin alone. */
export type Access = 'anyone' | 'viewer' | 'admin';

/*
 * The one explicit table (docs/architecture.md#sign-in). A route listed nowhere needs an admin:
 * deny by default, so a new route is safe before anybody thinks of it. Keys are `METHOD url`, the
 * url as registered (Fastify's route pattern); HEAD counts as GET.
 */
const ANYONE = new Set([
  'GET /api/v1/health',
  'POST /api/v1/auth/login',
  'POST /api/v1/auth/logout',
  'POST /api/v1/auth/setup',
  'GET /api/v1/auth/me',
  // The built web UI (@fastify/static's wildcard), so the sign-in and setup pages can load.
  'GET /*',
]);

// Admin by default, not listed: POST /api/v1/plugins/:id/rollback, like the other plugin writes; POST
// /api/v1/store/:name/reviews (a review speaks for the whole dashboard); GET /api/v1/system/config.
const VIEWER = new Set([
  'GET /api/v1/info',
  'GET /api/v1/plugins',
  'GET /api/v1/plugins/registry',
  'GET /api/v1/plugins/:id',
  'GET /api/v1/plugins/:id/manifest',
  'GET /api/v1/plugins/:id/page',
  'GET /api/v1/plugins/:id/static/*',
  // Plugin routes and static files with GET; their writes stay admin.
  'GET /api/v1/plugins/:id/*',
  'GET /api/v1/actions/registry',
  'POST /api/v1/actions/execute',
  'GET /api/v1/store',
  'GET /api/v1/store/health',
  'GET /api/v1/store/:plugin_id',
  'GET /api/v1/store/:name/versions',
  // The count of available updates beside the Plugins tab (versions/policies).
  'GET /api/v1/store/updates',
  // The store details page: reviews, the README and its images (writing a review stays admin).
  'GET /api/v1/store/:name/reviews',
  'GET /api/v1/store/:plugin_id/readme',
  'GET /api/v1/store/:plugin_id/assets/*',
  // The custom-bundle kill switch every browser obeys; GET /system/config and PUT /system/settings stay admin.
  'GET /api/v1/system/settings',
  'GET /api/v1/trust/keys',
  // The API docs describe routes, they hold no data.
  'GET /docs',
  'GET /docs/',
  'GET /docs/*',
  'GET /docs/json',
  'GET /docs/yaml',
  'GET /docs/static/*',
  'GET /docs/static/index.html',
  'GET /docs/static/swagger-initializer.js',
]);

/**
 * The access a request needs. `url` undefined means no route matched: the not-found handler
 * answers (404, or the UI's index.html for a page path), which reveals nothing.
 */
export function accessFor(method: string, url: string | undefined): Access {
  if (url === undefined) return 'anyone';
  const key = `${method === 'HEAD' ? 'GET' : method} ${url}`;
  if (ANYONE.has(key)) return 'anyone';
  if (VIEWER.has(key)) return 'viewer';
  return 'admin';
}
