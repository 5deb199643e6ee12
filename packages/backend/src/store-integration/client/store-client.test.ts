import { createServer, type Server, type ServerResponse, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { StoreClient } from './store-client.js';
import { okoRejection } from '../../../../../test-support/errors.js';

let server: Server | undefined;
const hanging: ServerResponse[] = [];

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  server = createServer(handler);
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1`;
}

function client(baseUrl: string, timeoutMs = 500): StoreClient {
  return new StoreClient({
    baseUrl,
    instanceId: 'test-instance-0123456789',
    timeoutMs,
    transferIdleTimeoutMs: timeoutMs,
    downloadTimeoutMs: 60_000,
    maxPackageBytes: 1024 * 1024,
    maxAnswerBytes: 1024 * 1024,
  });
}

afterEach(async () => {
  for (const res of hanging.splice(0)) res.destroy();
  server?.closeAllConnections();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
});

describe('StoreClient', () => {
  it('maps a refused connection to STORE_UNAVAILABLE 503', async () => {
    const url = await serve(() => {});
    await new Promise((resolve) => server!.close(resolve));
    server = undefined;
    const error = await okoRejection(client(url).listPlugins());
    expect(error.code).toBe('STORE_UNAVAILABLE');
    expect(error.statusCode).toBe(503);
    expect(error.message).toContain('connection refused');
  });

  it('gives up on a store that accepts but never answers, within its timeout', async () => {
    const url = await serve((_req, res) => hanging.push(res));
    const started = Date.now();
    const error = await okoRejection(client(url, 300).getPlugin('abc'));
    expect(error.code).toBe('STORE_UNAVAILABLE');
    expect(error.message).toContain('no answer within 300 ms');
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("passes the store's error answer through with its status, code and message", async () => {
    const url = await serve((_req, res) => {
      res
        .writeHead(404, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: { code: 'PLUGIN_NOT_FOUND', message: "No plugin 'x'" } }));
    });
    const error = await okoRejection(client(url).getPlugin('x'));
    expect([error.statusCode, error.code, error.message]).toEqual([404, 'PLUGIN_NOT_FOUND', "No plugin 'x'"]);
  });

  it('treats a 5xx that is not the error shape as STORE_UNAVAILABLE', async () => {
    const url = await serve((_req, res) => res.writeHead(502, { 'content-type': 'text/html' }).end('<h1>Bad gateway</h1>'));
    const error = await okoRejection(client(url).health());
    expect([error.statusCode, error.code]).toEqual([503, 'STORE_UNAVAILABLE']);
  });

  it('encodes the id so it cannot change the path', async () => {
    let seen = '';
    const url = await serve((req, res) => {
      seen = req.url ?? '';
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(
          '{"id":"a","name":"a","version":"1.0.0","size":1,"sha256":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}',
        );
    });
    await client(url).getPlugin('../health?x=1');
    expect(seen).toBe('/api/v1/plugins/..%2Fhealth%3Fx%3D1');
  });

  it('aborts a download that stalls after its headers', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(200, { 'content-length': '100' });
      res.write(Buffer.alloc(10));
      hanging.push(res);
    });
    const download = await client(url, 300).openDownload('abc');
    const read = (async () => {
      for await (const _chunk of download.body) void _chunk;
    })();
    const error = await okoRejection(read);
    expect(error.code).toBe('STORE_UNAVAILABLE');
  });
});
