// Preloaded into the store (node --import) for the contention and upload scenarios: measures the
// store's own event-loop delay, and how each large request body reached the store per event-loop
// turn. On SIGUSR2 it writes the figures since the last signal to BENCH_ELD_FILE and starts over.
// It only observes: no request, and no timer except one setImmediate per turn in which a large
// body's bytes arrived.
import { renameSync, writeFileSync } from 'node:fs';
import { IncomingMessage } from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { BodyReceipt } from '../lib/store-probe.js';

/** Bodies announced at least this large are followed (the 100 MB upload, not the small ones). */
const LARGE_BODY_BYTES = 10 * 1024 * 1024;

const receipts: BodyReceipt[] = [];

/**
 * Bytes pushed into the request between one turn's poll phase (where the socket is read) and the
 * same turn's check phase (setImmediate) are one turn's read.
 */
function followLargeBodies(): void {
  const followed = new WeakMap<IncomingMessage, { start: number; turns: number[]; open: boolean }>();
  const push = IncomingMessage.prototype.push;
  IncomingMessage.prototype.push = function (this: IncomingMessage, chunk: unknown, encoding?: BufferEncoding) {
    if (Number(this.headers['content-length']) >= LARGE_BODY_BYTES) {
      let state = followed.get(this);
      if (!state) followed.set(this, (state = { start: performance.now(), turns: [], open: false }));
      if (chunk === null) receipts.push(receiptOf(state));
      else if (Buffer.isBuffer(chunk)) {
        if (!state.open) {
          state.open = true;
          state.turns.push(0);
          const open = state;
          setImmediate(() => (open.open = false));
        }
        state.turns[state.turns.length - 1]! += chunk.length;
      }
    }
    return push.call(this, chunk, encoding);
  };
}

function receiptOf(state: { start: number; turns: number[] }): BodyReceipt {
  const sorted = [...state.turns].sort((a, b) => a - b);
  const kib = (q: number) => Math.round((sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] ?? 0) / 1024);
  return {
    ms: Math.round(performance.now() - state.start),
    turnsWithData: sorted.length,
    kibPerTurn: { p10: kib(0.1), p50: kib(0.5), p90: kib(0.9), max: kib(1) },
  };
}

const file = process.env.BENCH_ELD_FILE;
if (file) {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  followLargeBodies();
  const ms = (ns: number) => ns / 1e6;
  process.on('SIGUSR2', () => {
    const figures = {
      p50Ms: ms(histogram.percentile(50)),
      p99Ms: ms(histogram.percentile(99)),
      maxMs: ms(histogram.max),
      meanMs: ms(histogram.mean),
      samples: histogram.count,
      largeBodies: receipts.splice(0),
    };
    writeFileSync(`${file}.tmp`, JSON.stringify(figures));
    renameSync(`${file}.tmp`, file); // the bench waits for the file: it must never see half of it
    histogram.reset();
  });
}
