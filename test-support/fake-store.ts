import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CatalogEntry } from '@oko/shared';

/**
 * A tiny stand-in for the Plugin Store that can misbehave on purpose: a catalog entry whose
 * checksum or field types are wrong, a download that stops halfway, drips, or never ends, an
 * answer that redirects elsewhere. Real HTTP on a free loopback port.
 */
export interface FakePackage {
  /** The catalog entry it answers: the fields an install reads, plus whatever a test adds (even wrong values). */
  entry: Pick<CatalogEntry, 'id' | 'name' | 'version' | 'size' | 'sha256'> & Record<string, unknown>;
  zip: Buffer;
  /**
   * 'stall': send half of the bytes, then hold the connection open until close().
   * 'drip': no Content-Length, one byte every 20 ms until the reader hangs up (never idle long).
   * 'endless': no Content-Length, zeros as fast as the reader takes them until it hangs up.
   */
  download?: 'normal' | 'stall' | 'drip' | 'endless';
  /** Answer the entry (GET /plugins/{id}) with a 302 to this URL instead. */
  redirectTo?: string;
}

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

export interface FakeStore {
  /** Base URL as the backend's OKO_STORE_URL: http://127.0.0.1:PORT/api/v1 */
  url: string;
  requests: RecordedRequest[];
  /** Resolves once a download has sent its first half (stall mode). */
  stalled: Promise<void>;
  /** Bytes of package downloads written so far (drip and endless modes count theirs as they go). */
  downloadBytes: () => number;
  close: () => Promise<void>;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

export interface FakeStoreAnswers {
  upload?: { status: number; body: unknown };
  /**
   * Asked first for every request, with its path after /api/v1 split into decoded segments: answer
   * it (and return true) to stand in for a route the fake does not have, or to misbehave on it.
   */
  custom?: (request: RecordedRequest, parts: string[], res: ServerResponse) => boolean;
}

export async function startFakeStore(packages: FakePackage[], answers: FakeStoreAnswers = {}): Promise<FakeStore> {
  const held: ServerResponse[] = [];
  const requests: RecordedRequest[] = [];
  let markStalled: () => void = () => {};
  const stalled = new Promise<void>((resolve) => (markStalled = resolve));
  let downloadBytes = 0;
  const find = (ref: string) => packages.find((p) => p.entry.id === ref || p.entry.name === ref);

  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const recorded = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) };
    requests.push(recorded);
    const path = (req.url ?? '').split('?')[0] ?? '';
    const parts = path
      .replace(/^\/api\/v1\/?/, '')
      .split('/')
      .map(decodeURIComponent);
    if (answers.custom?.(recorded, parts, res)) return;
    if (req.method === 'GET' && parts[0] === 'health')
      return json(res, 200, { status: 'healthy', version: 'fake', plugins_count: packages.length });
    if (req.method === 'POST' && parts[0] === 'plugins' && parts[1] === 'upload') {
      const answer = answers.upload ?? {
        status: 200,
        body: { success: true, plugin_id: 'fake', message: 'ok', plugin: packages[0]?.entry },
      };
      return json(res, answer.status, answer.body);
    }
    if (req.method === 'GET' && parts[0] === 'plugins' && parts.length === 1) {
      return json(res, 200, { plugins: packages.map((p) => p.entry), total: packages.length, page: 1, per_page: 50 });
    }
    const pkg = parts[0] === 'plugins' && parts[1] ? find(parts[1]) : undefined;
    if (!pkg) return json(res, 404, { error: { code: 'PLUGIN_NOT_FOUND', message: `No plugin '${parts[1] ?? ''}' in the store catalog` } });
    if (parts.length === 2 && pkg.redirectTo) return res.writeHead(302, { location: pkg.redirectTo }).end();
    if (parts.length === 2) return json(res, 200, pkg.entry);
    if (parts[2] === 'download' && (pkg.download === 'drip' || pkg.download === 'endless')) {
      res.writeHead(200, { 'content-type': 'application/zip' });
      held.push(res);
      return pkg.download === 'drip' ? drip(res) : pour(res);
    }
    if (parts[2] === 'download') {
      res.writeHead(200, { 'content-type': 'application/zip', 'content-length': String(pkg.zip.length) });
      if (pkg.download !== 'stall') return res.end(pkg.zip);
      res.write(pkg.zip.subarray(0, Math.floor(pkg.zip.length / 2)), () => markStalled());
      held.push(res);
      return;
    }
    json(res, 404, { error: { code: 'ROUTE_NOT_FOUND', message: 'no such route' } });
  });
  function drip(res: ServerResponse): void {
    const timer = setInterval(() => {
      if (res.destroyed) return clearInterval(timer);
      downloadBytes += 1;
      res.write(Buffer.alloc(1));
    }, 20);
  }
  function pour(res: ServerResponse): void {
    const chunk = Buffer.alloc(64 * 1024);
    const pump = () => {
      while (!res.destroyed) {
        downloadBytes += chunk.length;
        if (!res.write(chunk)) return;
      }
    };
    res.on('drain', pump);
    pump();
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/api/v1`,
    requests,
    stalled,
    downloadBytes: () => downloadBytes,
    close: async () => {
      for (const res of held.splice(0)) res.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
