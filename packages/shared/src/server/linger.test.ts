import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { lingerOnClose } from './linger.js';

const servers: net.Server[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

/** A loopback pair: the server's socket (lingering, as the error handler sets it up) and the client. */
async function pair(maxMs: number): Promise<{ server: net.Socket; client: net.Socket }> {
  const server = net.createServer();
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const accepted = new Promise<net.Socket>((resolve) => server.once('connection', resolve));
  // Half-open like a client in another language: our FIN does not end its sending side.
  const client = net.connect({ port: (server.address() as net.AddressInfo).port, host: '127.0.0.1', allowHalfOpen: true });
  const socket = await accepted;
  lingerOnClose(socket, maxMs);
  return { server: socket, client };
}

describe('lingerOnClose', () => {
  it('keeps reading what the client still sends after the answer, and closes once the client is done', async () => {
    const { server, client } = await pair(10_000);
    let read = 0;
    server.on('data', (chunk: Buffer) => (read += chunk.length));
    const clientEnded = new Promise((resolve) => client.once('end', resolve));
    server.destroySoon();
    await clientEnded; // our FIN arrived: the answer is complete on the client's side
    expect(server.destroyed).toBe(false);
    await new Promise<void>((resolve) => client.write(Buffer.alloc(256 * 1024), () => resolve()));
    const closed = new Promise((resolve) => server.once('close', resolve));
    client.end();
    await closed;
    expect(read).toBe(256 * 1024);
  });

  it('destroys the socket after the bound when the client never closes its side', async () => {
    const { server, client } = await pair(50);
    client.on('error', () => {});
    const closed = new Promise((resolve) => server.once('close', resolve));
    server.destroySoon();
    await closed;
    expect(server.destroyed).toBe(true);
    client.destroy();
  });
});
