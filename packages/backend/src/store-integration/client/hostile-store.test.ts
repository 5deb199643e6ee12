import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { StoreClient, type StoreClientOptions } from './store-client.js';
import { okoRejection } from '../../../../../test-support/errors.js';

// The store is another service: each test here is one way its answers can be wrong or hostile,
// and the bound that keeps the backend whole.

const servers: Server[] = [];
const open: ServerResponse[] = [];
const KIB = 1024;

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1`;
}

function client(baseUrl: string, options: Partial<StoreClientOptions> = {}): StoreClient {
  return new StoreClient({
    baseUrl,
    instanceId: 'test-instance-0123456789',
    timeoutMs: 20_000,
    transferIdleTimeoutMs: 20_000,
    downloadTimeoutMs: 60_000,
    maxPackageBytes: 64 * KIB,
    maxAnswerBytes: 64 * KIB,
    ...options,
  });
}

async function readAll(body: AsyncIterable<Uint8Array>): Promise<number> {
  let bytes = 0;
  for await (const chunk of body) bytes += chunk.byteLength;
  return bytes;
}

/** Writes `chunk` again and again, as fast as the reader takes it, until the reader hangs up; counts what went out. */
function endless(res: ServerResponse, chunk: Buffer, sent: { bytes: number }): void {
  open.push(res);
  const pump = () => {
    while (!res.destroyed && res.write(chunk)) sent.bytes += chunk.length;
    if (!res.destroyed) sent.bytes += chunk.length;
  };
  res.on('drain', pump);
  pump();
}

const json = (res: ServerResponse, body: unknown) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
const entry = { id: 'abc', name: 'notes', version: '1.0.0', size: 10, sha256: 'a'.repeat(64) };

afterEach(async () => {
  for (const res of open.splice(0)) res.destroy();
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

describe('StoreClient against a hostile store', () => {
  it('answers 502 BAD_STORE_ANSWER for an entry with wrong field types, naming the field', async () => {
    const url = await serve((_req, res) => json(res, { ...entry, size: 'big' }));
    const error = await okoRejection(client(url).getPlugin('abc'));
    expect([error.statusCode, error.code]).toEqual([502, 'BAD_STORE_ANSWER']);
    expect(error.message).toContain('size');
  });

  it('answers BAD_STORE_ANSWER for a catalog page without its plugins, and for one that is not JSON', async () => {
    const url = await serve((req, res) =>
      req.url?.includes('text') ? res.writeHead(200).end('<html>') : json(res, { total: 1, page: 1, per_page: 50 }),
    );
    expect((await okoRejection(client(url).listPlugins())).code).toBe('BAD_STORE_ANSWER');
    expect((await okoRejection(client(url).listPlugins({ q: 'text' }))).code).toBe('BAD_STORE_ANSWER');
  });

  it('accepts a full entry and a list summary alike, extra fields included', async () => {
    const summary = { id: 'b', name: 'bb', version: '2.0.0', manifest: { name: 'bb', version: '2.0.0', capabilities: [] }, extra: 1 };
    const full = { ...entry, description: 'd', author: 'a', tags: ['x'], source: 'zip_upload', source_url: null, created_at: 'now' };
    const url = await serve((_req, res) => json(res, { plugins: [summary, full], total: 2, page: 1, per_page: 50 }));
    const page = await client(url).listPlugins();
    expect(page.plugins.map((p) => p.name)).toEqual(['bb', 'notes']);
  });

  it('refuses an answer that announces more than the answer limit without reading it', async () => {
    const url = await serve((_req, res) => res.writeHead(200, { 'content-length': String(100 * KIB) }).end(Buffer.alloc(100 * KIB, 32)));
    const error = await okoRejection(client(url).listPlugins());
    expect(error.code).toBe('BAD_STORE_ANSWER');
    expect(error.message).toContain(`${100 * KIB} bytes`);
  });

  it('stops reading an endless chunked answer at the answer limit', async () => {
    const sent = { bytes: 0 };
    const url = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"plugins":["');
      endless(res, Buffer.alloc(16 * KIB, 97), sent);
    });
    const error = await okoRejection(client(url).listPlugins());
    expect(error.code).toBe('BAD_STORE_ANSWER');
    expect(error.message).toContain(`longer than the ${64 * KIB} bytes`);
  });

  it('does not follow a redirect, and the place it points to never hears of it', async () => {
    let elsewhere = 0;
    const target = await serve((_req, res) => {
      elsewhere += 1;
      json(res, entry);
    });
    const url = await serve((_req, res) => res.writeHead(302, { location: `${target}/plugins/abc` }).end());
    const error = await okoRejection(client(url, { apiKey: 'secret' }).getPlugin('abc'));
    expect([error.statusCode, error.code]).toEqual([502, 'BAD_STORE_ANSWER']);
    expect(error.message).toContain('redirect');
    expect(elsewhere).toBe(0);
  });

  // Only 4xx and 5xx are the store's refusals: a 3xx without a Location (not refused as a redirect),
  // an unsolicited 304 or a status past 599 is passed to a browser as nothing it could use (600 even
  // broke the backend's own error answer, since no server may send it).
  it.each([300, 304, 305, 399, 600, 999])('answers BAD_STORE_ANSWER for an error answer with status %i', async (status) => {
    const url = await serve((_req, res) =>
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'NOT_FOUND', message: 'odd' } })),
    );
    for (const call of [(c: StoreClient) => c.readme('notes'), (c: StoreClient) => c.listReviews('notes', { page: 1, per_page: 10 })]) {
      const error = await okoRejection(call(client(url)));
      expect([error.statusCode, error.code]).toEqual([502, 'BAD_STORE_ANSWER']);
      expect(error.message).toContain(`HTTP ${status}`);
    }
  });

  // A 401 reaching the browser means "you are not signed in here": the web UI then leaves for the
  // sign-in page (even with sign-in off). The store refusing the backend's credentials is not that.
  it("never passes on the store's 401 or SETUP_REQUIRED as the browser's own sign-in answer", async () => {
    const url = await serve((req, res) => {
      const [status, code] = req.url?.includes('setup') ? [403, 'SETUP_REQUIRED'] : [401, 'UNAUTHORIZED'];
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code, message: 'keys required' } }));
    });
    const unauthorized = await okoRejection(client(url).listReviews('notes', { page: 1, per_page: 10 }));
    expect([unauthorized.statusCode, unauthorized.code]).toEqual([502, 'UNAUTHORIZED']);
    expect(unauthorized.message).toContain('keys required');
    const setup = await okoRejection(client(url).readme('setup'));
    expect(setup.code).not.toBe('SETUP_REQUIRED');
    expect(setup.statusCode).toBe(403);
  });

  it("passes on an error's details only in the one shape the UI acts on, checked", async () => {
    const answers: Record<string, unknown> = {
      good: { code: 'PLUGIN_ALREADY_EXISTS', message: 'exists', details: { plugin_id: 'abc123', name: 'notes', version: '1.0.0' } },
      path: { code: 'PLUGIN_ALREADY_EXISTS', message: 'exists', details: { plugin_id: '../../x', name: 'notes', version: '1.0.0' } },
      name: { code: 'PLUGIN_ALREADY_EXISTS', message: 'exists', details: { plugin_id: 'abc', name: 'javascript:alert(1)', version: '1' } },
      other: { code: 'NOT_OWNER', message: 'no', details: { plugin_id: 'abc123', name: 'notes', version: '1.0.0', html: '<img>' } },
    };
    const url = await serve((req, res) => {
      const which = Object.keys(answers).find((key) => req.url?.includes(`/plugins/${key}`)) ?? 'good';
      res.writeHead(409, { 'content-type': 'application/json' }).end(JSON.stringify({ error: answers[which] }));
    });
    const details = async (id: string) => (await okoRejection(client(url).getPlugin(id))).details;
    expect(await details('good')).toEqual({ plugin_id: 'abc123', name: 'notes', version: '1.0.0' });
    for (const id of ['path', 'name', 'other']) expect(await details(id)).toBeUndefined();
  });

  it('refuses a download that announces more than the package limit', async () => {
    const url = await serve((_req, res) => res.writeHead(200, { 'content-length': String(50 * 1024 ** 3) }).end());
    const error = await okoRejection(client(url).openDownload('abc'));
    expect(error.code).toBe('INVALID_PACKAGE');
    expect(error.message).toContain('OKO_STORE_MAX_PACKAGE_MB');
  });

  it('cuts an endless chunked download at the package limit', async () => {
    const sent = { bytes: 0 };
    const url = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/zip' });
      endless(res, Buffer.alloc(8 * KIB), sent);
    });
    const download = await client(url).openDownload('abc');
    let read = 0;
    const error = await okoRejection(
      (async () => {
        for await (const chunk of download.body) read += chunk.byteLength;
      })(),
    );
    expect(error.code).toBe('INVALID_PACKAGE');
    expect(read).toBeLessThanOrEqual(64 * KIB);
  });

  it('ends a download that drips within the idle bound once the total deadline passes', async () => {
    let drips = 0;
    const url = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/zip' });
      open.push(res);
      const timer = setInterval(() => {
        if (res.destroyed) return clearInterval(timer);
        drips += 1;
        res.write(Buffer.alloc(1));
      }, 20);
    });
    const download = await client(url, { transferIdleTimeoutMs: 20_000, downloadTimeoutMs: 400 }).openDownload('abc');
    const error = await okoRejection(readAll(download.body));
    expect(error.code).toBe('STORE_UNAVAILABLE');
    expect(error.message).toContain('did not finish within 400 ms');
    expect(error.message).toContain('OKO_STORE_DOWNLOAD_TIMEOUT_MS');
    // It dripped (so the idle bound never fired) and still ended.
    expect(drips).toBeGreaterThan(1);
  });
});
