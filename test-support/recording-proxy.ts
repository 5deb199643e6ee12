import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request that passed through a recording proxy, with the headers it carried. */
export interface ProxiedRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
}

export interface RecordingProxy {
  /** The proxy's base, with the target's path: use it as OKO_STORE_URL. */
  url: string;
  seen: ProxiedRequest[];
  close: () => Promise<void>;
}

/**
 * Passes every request on to the service at `target` (a real store, say) and notes what each
 * carried, so a test can assert the headers a backend sends without a fake answering for the store.
 */
export async function startRecordingProxy(target: string): Promise<RecordingProxy> {
  const base = new URL(target);
  const seen: ProxiedRequest[] = [];
  const server = http.createServer((req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    const upstream = http.request(
      { host: base.hostname, port: base.port, path: req.url, method: req.method, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}${base.pathname.replace(/\/+$/, '')}`,
    seen,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
