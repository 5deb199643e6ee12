import type { FastifyBaseLogger } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { BRIDGE_REQUEST } from '@oko/shared';
import { pluginHeaders } from '../src/routes/plugin-reply.js';
import { api, buildBackend, expectErrorAnswer, makeDirs, type Dirs } from './helpers.js';

// Everything that carries a plugin's content runs in an opaque origin (CSP sandbox) and is never
// sniffed; a plugin's answer keeps only the headers it may set; its page carries the bridge client;
// nothing of a plugin that is not active is served.

let dirs: Dirs;
let backend: Awaited<ReturnType<typeof buildBackend>>;
const CSP = 'sandbox allow-scripts allow-forms allow-popups';

beforeAll(async () => {
  dirs = await makeDirs(['content_headers', 'static_page', 'good_plugin']);
  backend = await buildBackend(dirs);
  for (const id of ['content_headers', 'static_page']) {
    expect((await api(backend, 'POST', `/api/v1/plugins/${id}/load`)).body).toMatchObject({ state: 'active' });
  }
});
afterAll(async () => {
  await backend?.stop();
  await dirs?.cleanup();
});

function expectSandboxed(answer: { headers: Headers }, what: string) {
  expect(answer.headers.get('content-security-policy'), what).toBe(CSP);
  expect(answer.headers.get('x-content-type-options'), what).toBe('nosniff');
}

describe('plugin content is sandboxed', () => {
  it.each([
    ['the ctx.page answer', '/api/v1/plugins/content_headers/page', /^text\/html/],
    ['static/index.html as the page', '/api/v1/plugins/static_page/page', /^text\/html/],
    ['static/*.html', '/api/v1/plugins/content_headers/static/other.html', /^text\/html/],
    ['static/*.svg', '/api/v1/plugins/content_headers/static/pic.svg', /^image\/svg\+xml/],
    ['static/*.xml', '/api/v1/plugins/content_headers/static/feed.xml', /xml/],
    ['a plugin route', '/api/v1/plugins/content-headers/json', /^application\/json/],
  ])('serves %s with CSP sandbox and nosniff', async (what, path, type) => {
    const answer = await api(backend, 'GET', path);
    expect(answer.status, what).toBe(200);
    expect(answer.headers.get('content-type'), what).toMatch(type);
    expectSandboxed(answer, what);
  });

  it('marks error answers of those routes too (a 404 of a plugin route, a missing static file)', async () => {
    const missingRoute = await api(backend, 'GET', '/api/v1/plugins/content-headers/nothing-here');
    await expectErrorAnswer(missingRoute, 404, 'ROUTE_NOT_FOUND');
    expectSandboxed(missingRoute, 'missing route');
    expectSandboxed(await api(backend, 'GET', '/api/v1/plugins/content_headers/static/none.html'), 'missing file');
  });

  it('leaves the dashboard API itself unsandboxed', async () => {
    const answer = await api(backend, 'GET', '/api/v1/plugins/content_headers');
    expect(answer.headers.get('content-security-policy')).toBeNull();
  });
});

describe('headers a plugin may set', () => {
  it('keeps the short list and its own x- headers, drops Set-Cookie, CSP, CORS, framing, proxy and other headers', async () => {
    const answer = await api(backend, 'GET', '/api/v1/plugins/content-headers/hostile');
    expect(answer.status).toBe(200);
    const kept = {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      etag: '"v1"',
      'last-modified': 'Mon, 30 Nov 2026 00:00:00 GMT',
      'content-language': 'en',
      'content-disposition': 'attachment; filename="report.csv"',
      'x-plugin-trace': 'abc',
    };
    for (const [name, value] of Object.entries(kept)) expect(answer.headers.get(name), name).toBe(value);
    for (const name of [
      'set-cookie',
      'access-control-allow-origin',
      'access-control-allow-credentials',
      'x-frame-options',
      'x-accel-redirect',
      'strict-transport-security',
      'refresh',
      'link',
    ]) {
      expect(answer.headers.get(name), name).toBeNull();
    }
    expectSandboxed(answer, 'the plugin tried to replace both');
  });

  it('drops Set-Cookie from the ctx.page answer too', async () => {
    const answer = await api(backend, 'GET', '/api/v1/plugins/content_headers/page');
    expect(answer.headers.get('set-cookie')).toBeNull();
  });

  it('drops a content-disposition whose file name carries a path', async () => {
    const answer = await api(backend, 'GET', '/api/v1/plugins/content-headers/bad-disposition');
    expect(answer.headers.get('content-disposition')).toBeNull();
  });

  it.each([
    ['own', '/api/v1/plugins/content-headers/json'],
    ['relative', '/api/v1/plugins/content-headers/json'],
    ['other', null],
    ['scheme', null],
    ['store', null],
    ['disable', null],
  ])('lets a redirect point only into its own routes: %s', async (where, location) => {
    // inject(): fetch would follow the redirect.
    const answer = await backend.app.inject({ method: 'GET', url: `/api/v1/plugins/content-headers/go/${where}` });
    expect(answer.statusCode).toBe(307);
    expect(answer.headers.location ?? null).toBe(location);
  });
});

describe('dropped headers are logged', () => {
  it('once per plugin, with the names', () => {
    const warn = vi.fn();
    const context = { pluginId: 'log_once', apiPrefix: 'log-once', log: { warn } as unknown as FastifyBaseLogger };
    const headers = { 'Set-Cookie': 'a=b', 'access-control-allow-origin': '*', 'x-mine': '1' };
    expect(pluginHeaders(headers, context)).toEqual({ 'x-mine': '1' });
    pluginHeaders(headers, context);
    pluginHeaders(headers, context);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]![0]).toEqual({ plugin: 'log_once', dropped_headers: ['set-cookie', 'access-control-allow-origin'] });
    // A name not seen before is news: one more line, naming only it.
    pluginHeaders({ refresh: '0' }, context);
    expect(warn).toHaveBeenCalledTimes(2);
    expect(warn.mock.calls[1]![0]).toEqual({ plugin: 'log_once', dropped_headers: ['refresh'] });
  });

  it('drops a header value with a line break or control character instead of failing the answer', () => {
    const context = { pluginId: 'ctl_chars', apiPrefix: 'ctl-chars', log: { warn: vi.fn() } as unknown as FastifyBaseLogger };
    expect(pluginHeaders({ 'x-a': 'ok', 'x-b': 'a\r\nset-cookie: x=y', 'content-type': 'text/html\u0000' }, context)).toEqual({
      'x-a': 'ok',
    });
  });
});

describe('the page carries the bridge client', () => {
  it('injects window.oko into a ctx.page answer, inside <head>, before the page', async () => {
    const { body } = await api<string>(backend, 'GET', '/api/v1/plugins/content_headers/page');
    expect(body).toMatch(/^<!doctype html><html><head><script data-oko-bridge>/);
    expect(body).toContain(BRIDGE_REQUEST);
    expect(body).toContain('"apiBase":"/api/v1/plugins/content-headers/"');
    expect(body.indexOf('data-oko-bridge')).toBeLessThan(body.indexOf('<h1>Handler page</h1>'));
  });

  it('injects it into static/index.html served as the page', async () => {
    const { body } = await api<string>(backend, 'GET', '/api/v1/plugins/static_page/page');
    expect(body).toContain('<script data-oko-bridge>');
    expect(body).toContain('<h1>Static page fixture</h1>');
  });
});

describe('a plugin that is not active', () => {
  it('has neither its page nor its static files (a custom bundle) served', async () => {
    expect((await api(backend, 'POST', '/api/v1/plugins/static_page/unload')).body).not.toMatchObject({ state: 'active' });
    await expectErrorAnswer(await api(backend, 'GET', '/api/v1/plugins/static_page/page'), 409, 'PLUGIN_NOT_ACTIVE');
    await expectErrorAnswer(await api(backend, 'GET', '/api/v1/plugins/static_page/static/index.html'), 409, 'PLUGIN_NOT_ACTIVE');
    await expectErrorAnswer(await api(backend, 'GET', '/api/v1/plugins/good_plugin/static/app.js'), 409, 'PLUGIN_NOT_ACTIVE');
    expect((await api(backend, 'POST', '/api/v1/plugins/good_plugin/load')).status).toBe(200);
    expect((await api(backend, 'GET', '/api/v1/plugins/good_plugin/static/app.js')).status).toBe(200);
    expect((await api(backend, 'POST', '/api/v1/plugins/good_plugin/disable')).body).toMatchObject({ state: 'disabled' });
    await expectErrorAnswer(await api(backend, 'GET', '/api/v1/plugins/good_plugin/static/app.js'), 409, 'PLUGIN_NOT_ACTIVE');
    expect((await api(backend, 'GET', '/api/v1/plugins/good_plugin')).body).toMatchObject({ page_available: false });
  });
});
