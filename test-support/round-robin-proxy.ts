import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RoundRobinProxy {
  /** http://127.0.0.1:PORT: the replicas' one address, as nginx gives it in docker-compose.scale.yml. */
  url: string;
  /** Requests handed to each target so far, in the targets' order. */
  counts: number[];
  close: () => Promise<void>;
}

/**
 * Several store replicas behind one address, each request to the next target in turn (nginx's
 * default upstream balancing, docker/nginx-scale.conf), bodies streamed both ways. A target that
 * cannot be reached answers 502 for that request: like nginx for a POST, it is not retried
 * elsewhere, so a test sees every failure.
 */
export async function startRoundRobinProxy(targets: readonly string[], port = 0): Promise<RoundRobinProxy> {
  if (targets.length === 0) throw new Error('startRoundRobinProxy: no targets');
  const bases = targets.map((t) => new URL(t));
  const counts = bases.map(() => 0);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  let next = 0;
  const server = http.createServer((req, res) => {
    const index = next++ % bases.length;
    counts[index]!++;
    const base = bases[index]!;
    const upstream = http.request(
      { host: base.hostname, port: base.port, path: req.url, method: req.method, headers: req.headers, agent },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
        answer.on('error', () => res.destroy());
      },
    );
    upstream.on('error', () => {
      if (res.headersSent) res.destroy();
      else res.writeHead(502, { 'content-type': 'text/plain' }).end(`replica ${base.host} unreachable`);
    });
    req.pipe(upstream);
    req.on('error', () => upstream.destroy());
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    counts,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      agent.destroy();
    },
  };
}
