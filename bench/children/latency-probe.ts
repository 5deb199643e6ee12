// The contention scenario's latency measurements, in a process of their own: the paced catalog list
// load (lib/paced-load.ts) and /api/v1/health polled every 20 ms. On the bench's event loop they
// also timed the bench's own stalls: sending 100 MB through an HTTP client takes 0.3-0.9 s of that
// loop's CPU, and a reply that had arrived waited for it. argv: store URL, list path, rate (req/s).
// Prints "started" once the load runs; when stdin closes (the bench ends the window, or dies) it
// stops, waits for the requests in flight and prints one JSON line of figures.
import { once } from 'node:events';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { pacedLoad } from '../lib/paced-load.js';
import { percentile } from '../lib/stats.js';

const [storeUrl, listPath, rate] = process.argv.slice(2);
// This process's own stalls (the machine's two cores are shared) would show up as store latency:
// reported beside the figures so a reader can tell the two apart.
const ownLoop = monitorEventLoopDelay({ resolution: 1 });
ownLoop.enable();
const load = pacedLoad(`${storeUrl}${listPath}`, Number(rate));
const health: number[] = [];
let probing = true;
const prober = (async () => {
  while (probing) {
    const sent = performance.now();
    const answer = await fetch(`${storeUrl}/api/v1/health`);
    await answer.arrayBuffer();
    health.push(performance.now() - sent);
    await sleep(20);
  }
})();

console.log('started');
process.stdin.resume();
await once(process.stdin, 'end');
probing = false;
load.stop();
const list = await load.done;
await prober;
const probeLoop = { p99Ms: ownLoop.percentile(99) / 1e6, maxMs: ownLoop.max / 1e6 };
console.log(JSON.stringify({ list, healthP99Ms: percentile(health, 99), healthMaxMs: Math.max(...health), probeLoop }));
// fetch's idle keep-alive socket would hold the process open for seconds more.
process.exit(0);
