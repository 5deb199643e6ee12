import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { percentile } from './stats.js';

export interface PacedFigures {
  requests: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  failures: number;
}

/**
 * Open-loop load: one GET every 1000/rate ms, evenly spaced, whatever the answers do; latency
 * from each request's send to its last byte. (autocannon's overallRate sends each second's
 * requests in a burst, so its latency would mostly measure the burst queueing it makes itself.)
 */
export function pacedLoad(url: string, rate: number): { stop: () => void; done: Promise<PacedFigures> } {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const latencies: number[] = [];
  let failures = 0;
  let running = true;
  const inFlight = new Set<Promise<void>>();
  const one = () =>
    new Promise<void>((resolve) => {
      const sent = performance.now();
      const request = http.get(url, { agent }, (response) => {
        response.resume();
        response.on('end', () => {
          if (response.statusCode === 200) latencies.push(performance.now() - sent);
          else failures++;
          resolve();
        });
      });
      request.on('error', () => (failures++, resolve()));
    });
  const done = (async () => {
    const interval = 1000 / rate;
    let next = performance.now();
    while (running) {
      const request = one();
      inFlight.add(request);
      void request.then(() => inFlight.delete(request));
      next += interval;
      await sleep(Math.max(0, next - performance.now()));
    }
    await Promise.all(inFlight);
    agent.destroy();
    return {
      requests: latencies.length,
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
      maxMs: Math.max(...latencies),
      failures,
    };
  })();
  return { stop: () => (running = false), done };
}
