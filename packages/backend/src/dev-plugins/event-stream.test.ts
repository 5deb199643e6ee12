import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { EventStream, MAX_QUEUED_BYTES, MAX_QUEUED_EVENTS } from './event-stream.js';

/** A response whose socket is full until drain() is called. */
function fakeResponse() {
  const raw = Object.assign(new EventEmitter(), {
    written: [] as string[],
    full: false,
    ended: false,
    writeHead: () => raw,
    write: (chunk: string) => {
      raw.written.push(chunk);
      return !raw.full;
    },
    end: () => {
      raw.ended = true;
    },
  });
  return raw;
}

describe('a server-sent event stream', () => {
  it('queues while the socket is full, drops past the bound, and says how many once the client catches up', () => {
    const raw = fakeResponse();
    let closed = 0;
    const stream = new EventStream(raw as unknown as ServerResponse, () => closed++, 60_000);
    raw.full = true;
    stream.send('log', { n: 0 });
    for (let n = 1; n <= MAX_QUEUED_EVENTS + 5; n++) stream.send('log', { n });
    expect(raw.written).toHaveLength(1);
    raw.full = false;
    raw.emit('drain');
    expect(raw.written).toHaveLength(1 + MAX_QUEUED_EVENTS + 1);
    expect(raw.written.at(-1)).toContain('5 events were dropped');
    stream.end();
    expect(raw.ended).toBe(true);
    raw.emit('close');
    expect(closed).toBe(1);
  });

  // A log line may be 8192 characters, and one of control characters is six times that as JSON:
  // 1000 of them held for a client that never reads would be ~50 MB, per client.
  it('bounds what it holds for a client that never reads by bytes too, not only by count', () => {
    const raw = fakeResponse();
    const stream = new EventStream(raw as unknown as ServerResponse, () => {}, 60_000);
    raw.full = true;
    stream.send('log', { n: 0 });
    const message = '\u001b'.repeat(8192);
    for (let n = 0; n < MAX_QUEUED_EVENTS; n++) stream.send('log', { message });
    raw.full = false;
    raw.emit('drain');
    const queuedBytes = raw.written.slice(1, -1).reduce((sum, chunk) => sum + Buffer.byteLength(chunk), 0);
    expect(queuedBytes).toBeLessThanOrEqual(MAX_QUEUED_BYTES);
    expect(raw.written.at(-1)).toMatch(/\d+ events were dropped/);
  });

  it('writes `event:` and one line of JSON per event', () => {
    const raw = fakeResponse();
    new EventStream(raw as unknown as ServerResponse, () => {}, 60_000).send('state', { state: 'active' });
    expect(raw.written).toEqual(['event: state\ndata: {"state":"active"}\n\n']);
  });
});
