import { describe, expect, it, vi } from 'vitest';
import { BRIDGE_MAX_BODY_CHARS } from '@oko/shared';
import { allowedBridgeUrl, answerBridgeRequest, BRIDGE_REQUEST, createBridgeListener, type BridgeRequest } from './bridge.js';

const origin = 'http://dash.local:8000';

describe('allowedBridgeUrl', () => {
  it('allows paths under the plugin prefix', () => {
    expect(allowedBridgeUrl('/api/v1/plugins/net-scan/hosts?x=1', 'net-scan', origin)?.pathname).toBe('/api/v1/plugins/net-scan/hosts');
  });

  it.each([
    // Management paths: the router sends them to the dashboard, not to the plugin, even its own.
    '/api/v1/plugins/net-scan/disable',
    '/api/v1/plugins/net-scan/DISABLE',
    '/api/v1/plugins/net-scan/%64isable',
    '/api/v1/plugins/net-scan/unload',
    '/api/v1/plugins/net-scan/static/app.js',
    '/api/v1/plugins/net-scan/page',
    '/api/v1/plugins/net-scan/permissions',
    '/api/v1/plugins/other/disable',
    '/api/v1/plugins/other/hosts',
    '/api/v1/plugins/net-scan',
    '/api/v1/plugins/net-scan-evil/x',
    '/api/v1/plugins/net-scan/../other/x',
    '/api/v1/plugins/net-scan/%2e%2e/other/x',
    '/api/v1/plugins/net-scan/..%2f..%2fstore/x/install',
    '/api/v1/store/x/install',
    '//evil.example/api/v1/plugins/net-scan/x',
    'http://evil.example/api/v1/plugins/net-scan/x',
    'api/v1/plugins/net-scan/x',
    '/api\\v1/plugins/net-scan/../../store',
  ])('refuses %s', (path) => {
    expect(allowedBridgeUrl(path, 'net-scan', origin)).toBeNull();
  });
});

describe('answerBridgeRequest', () => {
  it('answers 403 for a path outside the prefix without fetching anything', async () => {
    const fetchImpl = vi.fn();
    const answer = await answerBridgeRequest(
      { type: BRIDGE_REQUEST, id: 1, path: '/api/v1/store/x/install', method: 'POST' },
      { apiPrefix: 'net-scan', origin, fetchImpl },
    );
    expect(answer.status).toBe(403);
    expect(answer.body).toMatchObject({ error: { code: 'BRIDGE_FORBIDDEN' } });
    expect(fetchImpl).not.toHaveBeenCalled();
  });

  it('forwards an allowed request and passes status and JSON body back', async () => {
    const fetchImpl = vi.fn(async () => new Response(JSON.stringify({ up: 3 }), { status: 200 }));
    const answer = await answerBridgeRequest(
      { type: BRIDGE_REQUEST, id: 'a', path: '/api/v1/plugins/net-scan/stats', method: 'post', body: { q: 1 } },
      { apiPrefix: 'net-scan', origin, fetchImpl },
    );
    expect(answer).toMatchObject({ type: 'oko:response', id: 'a', status: 200, body: { up: 3 }, text: '{"up":3}' });
    expect(fetchImpl).toHaveBeenCalledWith('/api/v1/plugins/net-scan/stats', expect.objectContaining({ method: 'POST', body: '{"q":1}' }));
  });

  it('refuses methods other than the usual five', async () => {
    const answer = await answerBridgeRequest(
      { type: BRIDGE_REQUEST, id: 2, path: '/api/v1/plugins/net-scan/x', method: 'TRACE' },
      { apiPrefix: 'net-scan', origin, fetchImpl: vi.fn() },
    );
    expect(answer.status).toBe(405);
  });
});

describe('the bridge path rule', () => {
  const ask = (path: string, method = 'GET') => {
    const fetchImpl = vi.fn(async () => new Response('{"ok":true}', { headers: { 'content-type': 'application/json' } }));
    return answerBridgeRequest({ type: BRIDGE_REQUEST, id: 1, path, method }, { apiPrefix: 'notes', origin, fetchImpl }).then((answer) => ({
      answer,
      fetched: fetchImpl.mock.calls.length,
    }));
  };

  it("allows the plugin's own route", async () => {
    const { answer, fetched } = await ask('/api/v1/plugins/notes/notes', 'POST');
    expect(answer.status).toBe(200);
    expect(fetched).toBe(1);
  });

  it.each([
    ['its own /disable', '/api/v1/plugins/notes/disable'],
    ["another plugin's /disable", '/api/v1/plugins/http_probe/disable'],
    ["another plugin's route", '/api/v1/plugins/http-probe/targets'],
    ['a store install', '/api/v1/store/x/install'],
  ])('refuses %s without sending anything', async (_what, path) => {
    const { answer, fetched } = await ask(path, 'POST');
    expect(answer.status).toBe(403);
    expect(answer.body).toMatchObject({ error: { code: 'BRIDGE_FORBIDDEN' } });
    expect(fetched).toBe(0);
  });
});

describe('bridge bounds', () => {
  const ask = (message: Partial<BridgeRequest>) => {
    const fetchImpl = vi.fn(async () => new Response('{}'));
    const request = { type: BRIDGE_REQUEST, id: 1, path: '/api/v1/plugins/p/x', method: 'POST', ...message } as BridgeRequest;
    return answerBridgeRequest(request, { apiPrefix: 'p', origin, fetchImpl }).then((answer) => ({ answer, fetchImpl }));
  };

  it('sends a string body as it is, with its own content type', async () => {
    const { answer, fetchImpl } = await ask({ bodyText: 'a=1', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    expect(answer.status).toBe(200);
    expect(fetchImpl).toHaveBeenCalledWith(
      '/api/v1/plugins/p/x',
      expect.objectContaining({ body: 'a=1', headers: expect.objectContaining({ 'content-type': 'application/x-www-form-urlencoded' }) }),
    );
  });

  it.each([
    ['a body over the limit', { bodyText: 'x'.repeat(BRIDGE_MAX_BODY_CHARS + 1) }, 413],
    ['a header the browser or a proxy acts on', { headers: { cookie: 'a=b' } }, 400],
    ['a forwarding header', { headers: { 'x-forwarded-for': '1.2.3.4' } }, 400],
    ['a method override', { headers: { 'x-http-method-override': 'DELETE' } }, 400],
    ['too many headers', { headers: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`x-h${i}`, '1'])) }, 400],
    ['a header with a line break', { headers: { 'x-a': 'a\r\nset-cookie: b' } }, 400],
    ['HEAD', { method: 'HEAD' }, 405],
  ])('refuses %s', async (_what, message, status) => {
    const { answer, fetchImpl } = await ask(message as Partial<BridgeRequest>);
    expect(answer.status).toBe(status);
    expect(fetchImpl).not.toHaveBeenCalled();
  });
});

describe('createBridgeListener', () => {
  it('ignores messages from any window but the plugin frame', async () => {
    const frame = { postMessage: vi.fn() } as unknown as Window;
    const stranger = { postMessage: vi.fn() } as unknown as Window;
    const fetchImpl = vi.fn(async () => new Response('{}'));
    const listener = createBridgeListener({ frame: () => frame, apiPrefix: 'p', origin, fetchImpl });
    const data = { type: BRIDGE_REQUEST, id: 1, path: '/api/v1/plugins/p/x' };
    await listener({ source: stranger, origin: 'null', data } as unknown as MessageEvent);
    // The right window, but no longer sandboxed (not the opaque origin): ignored too.
    await listener({ source: frame, origin: 'http://dash.local:8000', data } as unknown as MessageEvent);
    expect(fetchImpl).not.toHaveBeenCalled();
    await listener({ source: frame, origin: 'null', data } as unknown as MessageEvent);
    expect(fetchImpl).toHaveBeenCalledTimes(1);
    expect(frame.postMessage).toHaveBeenCalledWith(expect.objectContaining({ id: 1, status: 200 }), '*');
  });

  it('tells the owner about each answered request (the details page re-reads after a write)', async () => {
    const frame = { postMessage: vi.fn() } as unknown as Window;
    const onAnswer = vi.fn();
    const fetchImpl = vi.fn(async () => new Response('{}', { status: 201 }));
    const listener = createBridgeListener({ frame: () => frame, apiPrefix: 'p', origin, fetchImpl, onAnswer });
    await listener({
      source: frame,
      origin: 'null',
      data: { type: BRIDGE_REQUEST, id: 7, path: '/api/v1/plugins/p/x', method: 'POST' },
    } as unknown as MessageEvent);
    expect(onAnswer).toHaveBeenCalledWith(expect.objectContaining({ method: 'POST' }), expect.objectContaining({ id: 7, status: 201 }));
  });
});
