import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, buildBackend, makeDirs, type Backend, type Dirs } from './helpers.js';

// A plugin serves the pages an admin opens: the admin's session cookie and API token must not reach
// it, or the plugin could act as that admin (README "Sign-in"). The rest of the request does.
const PASSWORD = 'admin-password-123';
let dirs: Dirs;
let backend: Backend & { app: Awaited<ReturnType<typeof buildBackend>>['app'] };
let cookie: string;
let token: string;

beforeAll(async () => {
  dirs = await makeDirs([]);
  const dir = path.join(dirs.pluginsDir, 'header_echo');
  await mkdir(dir, { recursive: true });
  await writeFile(
    path.join(dir, 'manifest.json'),
    JSON.stringify({ name: 'header_echo', version: '1.0.0', description: 'echoes headers' }),
  );
  await writeFile(path.join(dir, 'ui.yaml'), 'has_page: true\npage_title: Header echo\n');
  await writeFile(
    path.join(dir, 'index.js'),
    "export async function setup(ctx) {\n  ctx.routes.get('/headers', (req) => ({ headers: req.headers }));\n" +
      "  ctx.routes.post('/headers', (req) => ({ headers: req.headers }));\n" +
      '  ctx.page((req) => `<pre>${JSON.stringify(req.headers)}</pre>`);\n}\nexport async function teardown() {}\n',
  );
  backend = await buildBackend(dirs, { OKO_ADMIN_PASSWORD: PASSWORD });
  const login = await api(backend, 'POST', '/api/v1/auth/login', { username: 'admin', password: PASSWORD });
  expect(login.status).toBe(200);
  cookie = login.headers.get('set-cookie')!.split(';')[0]!;
  token = (await backend.app.auth.createToken('admin', 'cli')).token;
  expect((await api(backend, 'POST', '/api/v1/plugins/header_echo/load', undefined, { cookie })).status).toBe(200);
});
afterAll(async () => {
  await backend?.stop();
  await dirs?.cleanup();
});

describe("a plugin never sees the caller's credentials", () => {
  const secrets = () => [cookie.split('=')[1]!, token];

  it.each([
    ['GET', 'session cookie', () => ({ cookie, 'x-mine': 'kept' })],
    ['GET', 'API token', () => ({ authorization: `Bearer ${token}`, 'x-mine': 'kept' })],
    ['POST', 'API token', () => ({ authorization: `Bearer ${token}`, 'x-mine': 'kept', 'proxy-authorization': `Basic ${token}` })],
  ])('%s route with the %s', async (method, _what, headers) => {
    const answer = await api<{ headers: Record<string, string> }>(
      backend,
      method,
      '/api/v1/plugins/header-echo/headers',
      method === 'POST' ? {} : undefined,
      headers(),
    );
    expect(answer.status).toBe(200);
    expect(answer.body.headers['x-mine']).toBe('kept');
    expect(answer.body.headers).not.toHaveProperty('cookie');
    expect(answer.body.headers).not.toHaveProperty('authorization');
    expect(answer.body.headers).not.toHaveProperty('proxy-authorization');
    for (const secret of secrets()) expect(JSON.stringify(answer.body)).not.toContain(secret);
  });

  it('its page, rendered for a signed-in admin', async () => {
    const answer = await api<string>(backend, 'GET', '/api/v1/plugins/header_echo/page', undefined, { cookie });
    expect(answer.status).toBe(200);
    expect(answer.body).toContain('<pre>');
    for (const secret of secrets()) expect(answer.body).not.toContain(secret);
  });
});
