import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessFor, type Access } from '../src/auth/access/access-table.js';
import { buildTestBackend, type TestBackend } from '../../../test-support/backend-app.js';
import { expectErrorAnswer } from '../../../test-support/errors.js';

// Deny by default (README "Sign-in"): every registered route is held against this list, written
// here and not read from the code, so a route nobody classified fails this file.
const EXPECTED: Record<string, Access> = {
  'GET /api/v1/health': 'anyone',
  'POST /api/v1/auth/login': 'anyone',
  'POST /api/v1/auth/logout': 'anyone',
  'POST /api/v1/auth/setup': 'anyone',
  'GET /api/v1/auth/me': 'anyone',
  'GET /api/v1/info': 'viewer',
  'GET /api/v1/plugins': 'viewer',
  'GET /api/v1/plugins/registry': 'viewer',
  'GET /api/v1/plugins/:id': 'viewer',
  'GET /api/v1/plugins/:id/manifest': 'viewer',
  'GET /api/v1/plugins/:id/page': 'viewer',
  'GET /api/v1/plugins/:id/*': 'viewer',
  'GET /api/v1/plugins/:id/static/*': 'viewer',
  'GET /api/v1/actions/registry': 'viewer',
  'POST /api/v1/actions/execute': 'viewer',
  'GET /api/v1/store': 'viewer',
  'GET /api/v1/store/health': 'viewer',
  'GET /api/v1/store/:plugin_id': 'viewer',
  'GET /api/v1/store/:name/versions': 'viewer',
  'GET /api/v1/store/updates': 'viewer',
  'GET /api/v1/store/:name/reviews': 'viewer',
  'GET /api/v1/store/:plugin_id/readme': 'viewer',
  'GET /api/v1/store/:plugin_id/assets/*': 'viewer',
  'GET /api/v1/system/settings': 'viewer',
  'GET /api/v1/trust/keys': 'viewer',
  'GET /docs': 'viewer',
  'GET /docs/': 'viewer',
  'GET /docs/*': 'viewer',
  'GET /docs/json': 'viewer',
  'GET /docs/yaml': 'viewer',
  'GET /docs/static/*': 'viewer',
  'GET /docs/static/index.html': 'viewer',
  'GET /docs/static/swagger-initializer.js': 'viewer',
  'GET /api/v1/auth/users': 'admin',
  'POST /api/v1/auth/users': 'admin',
  'DELETE /api/v1/auth/users/:username': 'admin',
  'GET /api/v1/auth/tokens': 'admin',
  'POST /api/v1/auth/tokens': 'admin',
  'DELETE /api/v1/auth/tokens/:id': 'admin',
  'POST /api/v1/plugins/:id/load': 'admin',
  'POST /api/v1/plugins/:id/unload': 'admin',
  'POST /api/v1/plugins/:id/reload': 'admin',
  'POST /api/v1/plugins/:id/enable': 'admin',
  'POST /api/v1/plugins/:id/disable': 'admin',
  'POST /api/v1/plugins/:id/rollback': 'admin',
  // Admin-entered env values may be secrets: reading them is an admin's too.
  'GET /api/v1/plugins/:id/env': 'admin',
  'PUT /api/v1/plugins/:id/env': 'admin',
  'POST /api/v1/trust/keys': 'admin',
  'DELETE /api/v1/trust/keys/:key_id': 'admin',
  'POST /api/v1/store/upload/github': 'admin',
  'POST /api/v1/store/upload/zip': 'admin',
  'POST /api/v1/store/:plugin_id/install': 'admin',
  'POST /api/v1/store/:plugin_id/update': 'admin',
  'POST /api/v1/store/:plugin_id/uninstall': 'admin',
  'POST /api/v1/plugins/:id/pin': 'admin',
  'POST /api/v1/plugins/:id/unpin': 'admin',
  'PUT /api/v1/plugins/:id/update-policy': 'admin',
  'POST /api/v1/store/updates/check': 'admin',
  'POST /api/v1/store/:name/reviews': 'admin',
  'GET /api/v1/system/config': 'admin',
  'PUT /api/v1/system/settings': 'admin',
  // Development plugins (README "Development plugins"): code an admin sends, so admin only, logs included.
  'PUT /api/v1/dev/plugins/:name': 'admin',
  'POST /api/v1/dev/plugins/:name/lease': 'admin',
  'GET /api/v1/dev/plugins/:name': 'admin',
  'GET /api/v1/dev/plugins/:name/logs': 'admin',
  'DELETE /api/v1/dev/plugins/:name': 'admin',
  // Plugin routes that write: every method but GET.
  ...Object.fromEntries(
    ['POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE', 'QUERY'].map((m) => [`${m} /api/v1/plugins/:id/*`, 'admin']),
  ),
};

const PASSWORD = 'admin-password-123';
let backend: TestBackend;
let adminToken: string;
let viewerToken: string;

async function call(method: string, url: string, token?: string) {
  const res = await backend.app.inject({
    method: method as 'GET',
    url,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(method === 'GET' || method === 'HEAD' ? {} : { 'content-type': 'application/json' }),
    },
    ...(method === 'GET' || method === 'HEAD' || method === 'OPTIONS' || method === 'TRACE' ? {} : { payload: '{}' }),
  });
  let body: unknown = res.body;
  try {
    body = JSON.parse(res.body);
  } catch {
    // Swagger's HTML and script files: only the status matters here.
  }
  return { status: res.statusCode, body };
}

async function tokenFor(username: string, role: 'admin' | 'viewer'): Promise<string> {
  if (role === 'viewer') await backend.app.auth.addUser(username, PASSWORD, 'viewer');
  return (await backend.app.auth.createToken(username, `${username} token`)).token;
}

beforeAll(async () => {
  // OKO_DEV_PLUGINS: sign-in is on, so the /dev routes would otherwise refuse even an admin (DEV_PLUGINS_DISABLED).
  backend = await buildTestBackend({ env: { OKO_ADMIN_PASSWORD: PASSWORD, OKO_DEV_PLUGINS: 'true' } });
  adminToken = await tokenFor('admin', 'admin');
  viewerToken = await tokenFor('vera', 'viewer');
});
afterAll(async () => backend?.close());

const concrete = (url: string) =>
  url
    .replace(':id', 'no_such_plugin')
    .replace(':plugin_id', 'no_such_plugin')
    .replace(':name', 'no_such_plugin')
    .replace(':username', 'nobody')
    .replace(':key_id', 'k')
    .replace('*', 'x');
const registered = () => backend.app.auth.routes.map((r) => ({ method: r.method === 'HEAD' ? 'GET' : r.method, url: r.url }));

describe('the access table', () => {
  it('classifies every registered route as the test expects, and the test knows every route', () => {
    const seen = new Set<string>();
    for (const { method, url } of registered()) {
      const key = `${method} ${url}`;
      seen.add(key);
      expect(EXPECTED[key], `route ${key} is not classified in this test`).toBeDefined();
      expect(accessFor(method, url), key).toBe(EXPECTED[key]);
    }
    expect(seen.size).toBeGreaterThan(40);
    // An unknown route needs an admin, whatever its method.
    expect(accessFor('GET', '/api/v1/new-thing')).toBe('admin');
  });

  it('refuses anonymous callers on every viewer and admin route (401 UNAUTHORIZED), lets them reach the open ones', async () => {
    for (const { method, url } of registered()) {
      const answer = await call(method, concrete(url));
      if (EXPECTED[`${method} ${url}`] === 'anyone') expect(answer.status, `${method} ${url}`).not.toBe(401);
      else await expectErrorAnswer(answer, 401, 'UNAUTHORIZED');
    }
  });

  it('refuses a viewer on every admin route (403 FORBIDDEN naming the role), admits it to the rest', async () => {
    for (const { method, url } of registered()) {
      const answer = await call(method, concrete(url), viewerToken);
      if (EXPECTED[`${method} ${url}`] === 'admin') expect(await expectErrorAnswer(answer, 403, 'FORBIDDEN')).toContain('admin role');
      else expect([401, 403], `${method} ${url}: ${JSON.stringify(answer.body)}`).not.toContain(answer.status);
    }
  });

  it('admits an admin to every route', async () => {
    for (const { method, url } of registered()) {
      if (url === '/api/v1/auth/logout') continue;
      const answer = await call(method, concrete(url), adminToken);
      expect([401, 403], `${method} ${url}: ${JSON.stringify(answer.body)}`).not.toContain(answer.status);
    }
  });

  it('a plugin route with GET is open to a viewer and with POST is not (the plugin needs not exist for the decision)', async () => {
    await expectErrorAnswer(await call('GET', '/api/v1/plugins/demo/items', viewerToken), 404, 'ROUTE_NOT_FOUND');
    await expectErrorAnswer(await call('POST', '/api/v1/plugins/demo/items', viewerToken), 403, 'FORBIDDEN');
  });
});
