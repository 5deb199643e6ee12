import type { ServerResponse } from 'node:http';

/** Comment lines keep proxies and the client's idle timeout from closing a quiet stream. */
export const HEARTBEAT_MS = 15_000;
/** Events held for one client while its socket is full; past this they are dropped and counted. */
export const MAX_QUEUED_EVENTS = 1000;
/**
 * And at most this many bytes: a log line may be 8192 characters, six times that as JSON when they
 * are control characters, so the count alone would let one client that never reads hold ~50 MB.
 */
export const MAX_QUEUED_BYTES = 4 * 1024 * 1024;

/**
 * One client of a server-sent event stream (text/event-stream). Writes never wait: while the
 * socket's buffer is full, events queue up to MAX_QUEUED_EVENTS (and MAX_QUEUED_BYTES), and the rest are dropped and
 * reported in one `event: log` notice once the client catches up. A slow reader therefore costs
 * bounded memory and never holds up the plugin or the other clients.
 */
export class EventStream {
  private readonly queue: string[] = [];
  private queuedBytes = 0;
  private dropped = 0;
  private waiting = false;
  private closed = false;
  private readonly heartbeat: NodeJS.Timeout;

  constructor(
    private readonly raw: ServerResponse,
    /** Called once when the stream ends, whoever ends it. */
    private readonly onClose: () => void,
    heartbeatMs = HEARTBEAT_MS,
  ) {
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      // nginx would otherwise buffer the stream and deliver it in lumps.
      'x-accel-buffering': 'no',
    });
    this.heartbeat = setInterval(() => this.write(': heartbeat\n\n'), heartbeatMs);
    this.heartbeat.unref();
    raw.on('close', () => this.close());
    raw.on('drain', () => this.drain());
  }

  /** `event: <name>` with `data` as one line of JSON. */
  send(event: string, data: unknown): void {
    this.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  /** Sends what is queued (best effort), then ends the response. */
  end(): void {
    if (this.closed) return;
    for (const chunk of this.queue.splice(0)) this.raw.write(chunk);
    this.queuedBytes = 0;
    this.raw.end();
    this.close();
  }

  private write(chunk: string): void {
    if (this.closed) return;
    if (this.waiting) {
      const bytes = Buffer.byteLength(chunk);
      if (this.queue.length < MAX_QUEUED_EVENTS && this.queuedBytes + bytes <= MAX_QUEUED_BYTES) {
        this.queue.push(chunk);
        this.queuedBytes += bytes;
      } else this.dropped += 1;
      return;
    }
    if (!this.raw.write(chunk)) this.waiting = true;
  }

  private drain(): void {
    this.waiting = false;
    while (this.queue.length > 0 && !this.waiting) {
      const chunk = this.queue.shift()!;
      this.queuedBytes -= Buffer.byteLength(chunk);
      if (!this.raw.write(chunk)) this.waiting = true;
    }
    if (this.dropped > 0 && !this.waiting) {
      const message = `${this.dropped} events were dropped: this client read the stream too slowly`;
      this.dropped = 0;
      this.send('log', { level: 'warn', message, at: new Date().toISOString() });
    }
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeat);
    this.queue.length = 0;
    this.queuedBytes = 0;
    this.onClose();
  }
}
