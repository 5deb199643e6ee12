import net from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A TCP link to a server (PostgreSQL, say) that a test can cut, stall or mend, the server itself
 * running on: `cut` resets every connection and each new one (a database gone), `stall` keeps
 * them open but passes nothing either way (a host that went silent), `mend` lets new connections
 * through again (the stalled ones are reset: what they sent meanwhile is lost).
 */
export interface TcpLink {
  port: number;
  /** `url` with its host and port replaced by the link's. */
  through(url: string): string;
  cut(): void;
  stall(): void;
  mend(): void;
  close(): Promise<void>;
}

export async function startTcpLink(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpLink> {
  let mode: 'open' | 'cut' | 'stall' = 'open';
  const sockets = new Set<net.Socket>();
  const resetAll = () => {
    for (const socket of sockets) socket.resetAndDestroy();
    sockets.clear();
  };
  const server = net.createServer((client) => {
    if (mode === 'cut') {
      client.resetAndDestroy();
      return;
    }
    const upstream = net.connect(targetPort, targetHost);
    for (const [from, to] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      sockets.add(from);
      from.on('data', (chunk: Buffer) => {
        if (mode === 'open') to.write(chunk);
      });
      from.on('error', () => to.destroy());
      from.on('close', () => {
        sockets.delete(from);
        to.destroy();
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    through(url) {
      const parsed = new URL(url);
      parsed.hostname = '127.0.0.1';
      parsed.port = String(port);
      return parsed.href;
    },
    cut() {
      mode = 'cut';
      resetAll();
    },
    stall() {
      mode = 'stall';
    },
    mend() {
      if (mode === 'stall') resetAll();
      mode = 'open';
    },
    async close() {
      resetAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
