import { describe, expect, it, vi } from 'vitest';
import { allowedBridgeUrl, answerBridgeRequest, BRIDGE_REQUEST, createBridgeListener } from './bridge.js';

const origin = 'http://dash.local:8000';

describe('allowedBridgeUrl', () => {
  it('allows paths under the plugin prefix', () => {
    expect(allowedBridgeUrl('/api/v1/plugins/net-scan/hosts?x=1', 'net-scan', origin)?.pathname).toBe('/api/v1/plugins/net-scan/hosts');
  });

  it.each([
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
    expect(answer).toEqual({ type: 'oko:response', id: 'a', status: 200, body: { up: 3 } });
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

describe('createBridgeListener', () => {
  it('ignores messages from any window but the plugin frame', async () => {
    const frame = { postMessage: vi.fn() } as unknown as Window;
    const stranger = { postMessage: vi.fn() } as unknown as Window;
    const fetchImpl = vi.fn(async () => new Response('{}'));
    const listener = createBridgeListener({ frame: () => frame, apiPrefix: 'p', origin, fetchImpl });
    const data = { type: BRIDGE_REQUEST, id: 1, path: '/api/v1/plugins/p/x' };
    await listener({ source: stranger, data } as unknown as MessageEvent);
    expect(fetchImpl).not.toHaveBeenCalled();
    await listener({ source: frame, data } as unknown as MessageEvent);
    expect(fetchImpl).toHaveBeenCalledTimes(1);
    expect(frame.postMessage).toHaveBeenCalledWith(expect.objectContaining({ id: 1, status: 200 }), '*');
  });
});
