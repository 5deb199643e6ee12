import net from 'node:net';
import type { StoreUnderTest } from './helpers.js';

export interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: any;
}

/** Parses one HTTP/1.1 answer with a Content-Length from the bytes read so far; null while incomplete. */
function parseAnswer(bytes: Buffer): RawAnswer | null {
  const end = bytes.indexOf('\r\n\r\n');
  if (end < 0) return null;
  const [statusLine = '', ...lines] = bytes.subarray(0, end).toString('latin1').split('\r\n');
  const headers = Object.fromEntries(
    lines.map((line) => [line.slice(0, line.indexOf(':')).trim().toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]),
  );
  const length = Number(headers['content-length'] ?? 0);
  if (bytes.length < end + 4 + length) return null;
  const text = bytes.subarray(end + 4, end + 4 + length).toString('utf8');
  return { status: Number(statusLine.split(' ')[1]), headers, body: text ? JSON.parse(text) : null };
}

export interface RawExchange {
  socket: net.Socket;
  /** The answer, or the socket error (EPIPE, ECONNRESET) that came instead. */
  answer: Promise<RawAnswer>;
  /** Settles when the store closed the connection. */
  closed: Promise<void>;
}

/**
 * A client on a bare socket, the way Python's urllib and requests behave: it writes the request
 * line and headers at once; the test decides when body bytes go and whether it reads meanwhile.
 * The socket reads into its buffer either way, so "reading later" sees the same bytes.
 */
export function openRawExchange(store: StoreUnderTest, path: string, headers: Record<string, string>): RawExchange {
  const url = new URL(store.url);
  const socket = net.connect(Number(url.port), url.hostname);
  let received = Buffer.alloc(0);
  const answer = new Promise<RawAnswer>((resolve, reject) => {
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const parsed = parseAnswer(received);
      if (parsed) resolve(parsed);
    });
    // A write into a connection the store has closed fails (EPIPE, ECONNRESET) while the answer may
    // still be in the receive buffer: the answer counts if it arrived, whatever the order of events.
    let failure: Error | undefined;
    socket.on('error', (error) => (failure ??= error));
    socket.once('close', () => reject(failure ?? new Error(`closed before a whole answer: ${received.toString('latin1').slice(0, 200)}`)));
  });
  answer.catch(() => {});
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  const head = Object.entries({ host: url.host, ...headers })
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  socket.write(`POST ${path} HTTP/1.1\r\n${head}\r\n`);
  return { socket, answer, closed };
}

/** Writes `body` and resolves once the kernel took all of it, or rejects with the write error. */
export function writeAll(socket: net.Socket, body: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.write(body, (error) => (error ? reject(error) : resolve()));
  });
}

/** One chunk of a `Transfer-Encoding: chunked` body; an empty buffer is the last chunk. */
export function chunk(data: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${data.length.toString(16)}\r\n`), data, Buffer.from('\r\n')]);
}
