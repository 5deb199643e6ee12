import { readFile, stat } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { decideAuthMode } from '../src/auth/mode.js';
import { passwordHasher } from '../src/auth/passwords/scrypt.js';
import { LOGIN_ATTEMPTS_PER_ADDRESS, LOGIN_ATTEMPTS_PER_USER } from '../src/auth/routes/login-limits.js';
import { sessionCookie } from '../src/auth/sessions/cookie.js';
import { buildTestBackend, type TestBackend } from '../../../test-support/backend-app.js';
import { expectErrorAnswer } from '../../../test-support/errors.js';
import { tempDir } from '../../../test-support/fixtures.js';

const PASSWORD = 'admin-password-123';
const open: TestBackend[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(open.splice(0).map((backend) => backend.close()));
});

async function backendWith(env: Record<string, string> = {}, dirs?: { pluginsDir: string; dataDir: string }): Promise<TestBackend> {
  const backend = await buildTestBackend({ env, ...dirs });
  open.push(backend);
  return backend;
}

interface Call {
  token?: string;
  cookie?: string;
  body?: unknown;
  from?: string;
}
async function call(backend: TestBackend, method: 'GET' | 'POST' | 'DELETE', url: string, options: Call = {}) {
  const res = await backend.app.inject({
    method,
    url: `/api/v1${url}`,
    remoteAddress: options.from,
    headers: {
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...(options.cookie ? { cookie: options.cookie } : {}),
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(options.body === undefined ? {} : { payload: JSON.stringify(options.body) }),
  });
  return {
    status: res.statusCode,
    body: res.body ? (res.json() as any) : null,
    setCookie: res.headers['set-cookie'] as string | undefined,
  };
}

async function login(backend: TestBackend, username = 'admin', password = PASSWORD): Promise<string> {
  const answer = await call(backend, 'POST', '/auth/login', { body: { username, password } });
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return answer.setCookie!.split(';')[0]!;
}

describe('OKO_AUTH=auto decides from the listen address and the accounts', () => {
  it('is off on loopback with no account, on off loopback (setup first), on with an admin; off off loopback warns', () => {
    expect(decideAuthMode('auto', '127.0.0.1', false)).toMatchObject({ on: false, notice: expect.stringContaining('loopback') });
    expect(decideAuthMode('auto', 'localhost', false).on).toBe(false);
    expect(decideAuthMode('auto', '::1', false).on).toBe(false);
    expect(decideAuthMode('auto', '127.0.0.1', true)).toEqual({ on: true, setupRequired: false });
    for (const host of ['0.0.0.0', '::', '192.168.1.5', 'dashboard.lan'])
      expect(decideAuthMode('auto', host, false), host).toEqual({ on: true, setupRequired: true });
    expect(decideAuthMode('on', '127.0.0.1', false)).toEqual({ on: true, setupRequired: true });
    expect(decideAuthMode('off', '0.0.0.0', true)).toMatchObject({
      on: false,
      unsafe: true,
      notice: expect.stringMatching(/^WARNING.*0\.0\.0\.0/),
    });
  });

  it('on loopback with no account everyone is admin; creating an admin turns sign-in on at once', async () => {
    const backend = await backendWith();
    expect((await call(backend, 'GET', '/auth/me')).body).toMatchObject({
      user: null,
      role: 'admin',
      auth: 'off',
      notice: expect.any(String),
    });
    // A write route is reached (the plugin does not exist), not refused.
    await expectErrorAnswer(await call(backend, 'POST', '/plugins/nothing/load'), 404, 'PLUGIN_NOT_FOUND');
    const created = await call(backend, 'POST', '/auth/users', { body: { username: 'root', password: PASSWORD, role: 'admin' } });
    expect(created.status).toBe(201);
    await expectErrorAnswer(await call(backend, 'POST', '/plugins/nothing/load'), 401, 'UNAUTHORIZED');
    expect((await call(backend, 'GET', '/auth/me')).body).toEqual({ user: null, role: null, auth: 'on' });
  });

  it('OKO_AUTH=off on 0.0.0.0 keeps everyone admin and says so loudly in /auth/me', async () => {
    const backend = await backendWith({ OKO_AUTH: 'off', OKO_HOST: '0.0.0.0', OKO_ADMIN_PASSWORD: PASSWORD });
    const me = (await call(backend, 'GET', '/auth/me')).body;
    expect(me).toMatchObject({ role: 'admin', auth: 'off', unsafe: true });
    expect(me.notice).toMatch(/^WARNING/);
  });
});

describe('first start off loopback: the one-time setup', () => {
  it('serves only the setup until an admin exists; the setup token works once', async () => {
    const backend = await backendWith({ OKO_HOST: '0.0.0.0' });
    expect((await call(backend, 'GET', '/auth/me')).body).toMatchObject({ auth: 'on', setup_required: true });
    await expectErrorAnswer(await call(backend, 'GET', '/plugins'), 401, 'SETUP_REQUIRED');
    expect((await call(backend, 'GET', '/health')).status).toBe(200);
    const token = backend.app.auth.issueSetupToken()!;
    const body = { token, username: 'first', password: PASSWORD };
    await expectErrorAnswer(
      await call(backend, 'POST', '/auth/setup', { body: { ...body, token: 'guessed' } }),
      403,
      'SETUP_TOKEN_INVALID',
    );
    const done = await call(backend, 'POST', '/auth/setup', { body });
    expect(done.body).toEqual({ user: 'first', role: 'admin', auth: 'on' });
    const cookie = done.setCookie!.split(';')[0]!;
    expect((await call(backend, 'GET', '/plugins', { cookie })).status).toBe(200);
    await expectErrorAnswer(
      await call(backend, 'POST', '/auth/setup', { body: { ...body, username: 'second' } }),
      403,
      'SETUP_TOKEN_INVALID',
    );
    expect(backend.app.auth.users().map((user) => user.username)).toEqual(['first']);
  });

  it('the setup token expires after an hour', async () => {
    const backend = await backendWith({ OKO_AUTH: 'on' });
    const token = backend.app.auth.issueSetupToken()!;
    const start = Date.now();
    backend.app.auth.now = () => start + 61 * 60_000;
    const answer = await call(backend, 'POST', '/auth/setup', { body: { token, username: 'late', password: PASSWORD } });
    await expectErrorAnswer(answer, 403, 'SETUP_TOKEN_INVALID');
  });

  it('OKO_ADMIN_PASSWORD creates the admin without the page', async () => {
    const backend = await backendWith({ OKO_HOST: '0.0.0.0', OKO_ADMIN_USER: 'ops', OKO_ADMIN_PASSWORD: PASSWORD });
    expect(backend.app.auth.issueSetupToken()).toBeNull();
    const cookie = await login(backend, 'ops');
    expect((await call(backend, 'GET', '/auth/me', { cookie })).body).toEqual({ user: 'ops', role: 'admin', auth: 'on' });
  });
});

describe('sessions', () => {
  it('the cookie is HttpOnly and SameSite=Strict, Secure only over HTTPS', async () => {
    const backend = await backendWith({ OKO_ADMIN_PASSWORD: PASSWORD });
    const answer = await call(backend, 'POST', '/auth/login', { body: { username: 'admin', password: PASSWORD } });
    expect(answer.setCookie).toMatch(/^oko_session=[\w-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=43200$/);
    expect(sessionCookie('x', 60, true)).toContain('; Secure');
  });

  it('adds Secure when the request came over TLS (request.protocol https)', async () => {
    const backend = await backendWith({ OKO_ADMIN_PASSWORD: PASSWORD });
    // A socket that says it is TLS, as a TLS server's would; Fastify's request.protocol reads exactly this.
    const server = http.createServer((req, res) => {
      Object.assign(req.socket, { encrypted: true });
      backend.app.routing(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const answer = await fetch(`http://127.0.0.1:${port}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'admin', password: PASSWORD }),
      });
      expect(answer.status).toBe(200);
      expect(answer.headers.get('set-cookie')).toMatch(/; HttpOnly; SameSite=Strict; Max-Age=43200; Secure$/);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('expire after OKO_SESSION_TTL_H, end on logout, and survive a restart (kept hashed, file 0600)', async () => {
    const root = await tempDir('auth-restart');
    const dirs = { pluginsDir: path.join(root, 'plugins'), dataDir: path.join(root, 'data') };
    const env = { OKO_ADMIN_PASSWORD: PASSWORD, OKO_SESSION_TTL_H: '0.5' };
    const first = await backendWith(env, dirs);
    const cookie = await login(first);
    const other = await login(first);
    await first.close();
    open.splice(open.indexOf(first), 1);
    const file = path.join(dirs.dataDir, 'auth', 'auth.json');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await readFile(file, 'utf8')).not.toContain(cookie.split('=')[1]);

    const second = await backendWith(env, dirs);
    expect((await call(second, 'GET', '/plugins', { cookie })).status).toBe(200);
    expect((await call(second, 'POST', '/auth/logout', { cookie })).status).toBe(204);
    await expectErrorAnswer(await call(second, 'GET', '/plugins', { cookie }), 401, 'UNAUTHORIZED');
    const start = Date.now();
    second.app.auth.now = () => start + 29 * 60_000;
    expect((await call(second, 'GET', '/plugins', { cookie: other })).status).toBe(200);
    second.app.auth.now = () => start + 31 * 60_000;
    await expectErrorAnswer(await call(second, 'GET', '/plugins', { cookie: other }), 401, 'UNAUTHORIZED');
  });
});

describe('API tokens and users', () => {
  it('a token acts with its user role, is listed without its secret, and stops at once when revoked', async () => {
    const backend = await backendWith({ OKO_ADMIN_PASSWORD: PASSWORD });
    const cookie = await login(backend);
    const created = await call(backend, 'POST', '/auth/tokens', { cookie, body: { name: 'ci' } });
    expect(created.status).toBe(201);
    const { id, token } = created.body;
    expect((await call(backend, 'GET', '/plugins', { token })).status).toBe(200);
    const list = await call(backend, 'GET', '/auth/tokens', { token });
    expect(list.body.tokens).toEqual([expect.objectContaining({ id, name: 'ci', user: 'admin' })]);
    expect(JSON.stringify(list.body)).not.toContain(token);
    expect((await call(backend, 'DELETE', `/auth/tokens/${id}`, { cookie })).status).toBe(204);
    await expectErrorAnswer(await call(backend, 'GET', '/plugins', { token }), 401, 'UNAUTHORIZED');
  });

  it("deleting a user ends that user's sessions and tokens; the last admin stays", async () => {
    const backend = await backendWith({ OKO_ADMIN_PASSWORD: PASSWORD });
    const admin = await login(backend);
    expect(
      (await call(backend, 'POST', '/auth/users', { cookie: admin, body: { username: 'vera', password: PASSWORD, role: 'viewer' } }))
        .status,
    ).toBe(201);
    const viewer = await login(backend, 'vera');
    const { token } = await backend.app.auth.createToken('vera', 'vera cli');
    expect((await call(backend, 'GET', '/plugins', { cookie: viewer })).status).toBe(200);
    const refused = await expectErrorAnswer(await call(backend, 'POST', '/auth/users', { cookie: viewer, body: {} }), 403, 'FORBIDDEN');
    expect(refused).toContain('admin role');
    expect((await call(backend, 'DELETE', '/auth/users/vera', { cookie: admin })).status).toBe(204);
    await expectErrorAnswer(await call(backend, 'GET', '/plugins', { cookie: viewer }), 401, 'UNAUTHORIZED');
    await expectErrorAnswer(await call(backend, 'GET', '/plugins', { token }), 401, 'UNAUTHORIZED');
    await expectErrorAnswer(await call(backend, 'DELETE', '/auth/users/admin', { cookie: admin }), 409, 'LAST_ADMIN');
  });

  it('a signed-in admin may upload from another machine; a viewer may not', async () => {
    const backend = await backendWith({ OKO_ADMIN_PASSWORD: PASSWORD, OKO_STORE_URL: 'http://127.0.0.1:9/api/v1' });
    const admin = await login(backend);
    const body = { repo_url: 'https://github.com/o/r' };
    const answer = await call(backend, 'POST', '/store/upload/github', { cookie: admin, body, from: '192.168.1.50' });
    expect(answer.body?.error?.code).not.toBe('UPLOAD_LOCAL_ONLY');
    expect([401, 403]).not.toContain(answer.status);
  });
});

describe('login attempts', () => {
  it('a wrong password and an unknown user answer the same 401, and both cost one password hash', async () => {
    const backend = await backendWith({ OKO_ADMIN_PASSWORD: PASSWORD });
    const verify = vi.spyOn(passwordHasher, 'verify');
    const wrong = await call(backend, 'POST', '/auth/login', { body: { username: 'admin', password: 'not-the-password' } });
    const unknown = await call(backend, 'POST', '/auth/login', { body: { username: 'nobody', password: 'not-the-password' } });
    expect(await expectErrorAnswer(unknown, 401, 'UNAUTHORIZED')).toBe(await expectErrorAnswer(wrong, 401, 'UNAUTHORIZED'));
    expect(verify).toHaveBeenCalledTimes(2);
  });

  it(`are limited per user (${LOGIN_ATTEMPTS_PER_USER}/min from any address) and per address (${LOGIN_ATTEMPTS_PER_ADDRESS}/min)`, async () => {
    const backend = await backendWith({ OKO_ADMIN_PASSWORD: PASSWORD });
    const attempt = (username: string, from: string) =>
      call(backend, 'POST', '/auth/login', { from, body: { username, password: 'wrong-password' } });
    for (let i = 0; i < LOGIN_ATTEMPTS_PER_USER; i++) expect((await attempt('admin', `10.0.0.${i + 1}`)).status).toBe(401);
    await expectErrorAnswer(await attempt('admin', '10.0.0.99'), 429, 'TOO_MANY_LOGIN_ATTEMPTS');
    // Even the right password waits now: the limit is what stops guessing.
    const right = await call(backend, 'POST', '/auth/login', { from: '10.0.1.1', body: { username: 'admin', password: PASSWORD } });
    await expectErrorAnswer(right, 429, 'TOO_MANY_LOGIN_ATTEMPTS');
    for (let i = 0; i < LOGIN_ATTEMPTS_PER_ADDRESS; i++) expect((await attempt(`user${i}`, '10.9.9.9')).status).toBe(401);
    await expectErrorAnswer(await attempt('someone-else', '10.9.9.9'), 429, 'TOO_MANY_LOGIN_ATTEMPTS');
  });
});
