// Baseline of the plugin lifecycle scenario, in a process of its own so its memory is its own:
// an empty worker thread started (until it answers) and stopped, and the RSS one costs.
// argv: reps count. Prints one JSON line.
import { Worker } from 'node:worker_threads';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

const [reps = 10, count = 50] = process.argv.slice(2).map(Number);
// Listening on its port keeps the worker alive (an empty script would end the thread at once).
const EMPTY = "const { parentPort } = require('node:worker_threads'); parentPort.on('message', () => {}); parentPort.postMessage('ready');";

async function start(): Promise<Worker> {
  const worker = new Worker(EMPTY, { eval: true });
  await once(worker, 'message');
  return worker;
}

function rssMb(): number {
  const kb = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
  return Number(kb) / 1024;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

// Memory first, in a process that has not started and freed workers yet: malloc keeps freed
// memory, and it would hide part of what new workers cost.
await sleep(300);
const before = rssMb();
const workers: Worker[] = [];
for (let i = 0; i < count; i++) workers.push(await start());
await sleep(500);
const after = rssMb();
await Promise.all(workers.map((w) => w.terminate()));
await (await start()).terminate(); // warm-up
const startMs: number[] = [];
const stopMs: number[] = [];
for (let i = 0; i < reps; i++) {
  let t = performance.now();
  const worker = await start();
  startMs.push(performance.now() - t);
  t = performance.now();
  await worker.terminate();
  stopMs.push(performance.now() - t);
}

console.log(
  JSON.stringify({
    startMs: median(startMs),
    stopMs: median(stopMs),
    rssPerWorkerMb: (after - before) / count,
    rssBeforeMb: before,
    rssAfterMb: after,
  }),
);
