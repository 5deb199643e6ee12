import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon, { type Options, type Result } from 'autocannon';
import type { BenchSettings } from './settings.js';
import { percentile } from './stats.js';

export interface LoadFigures {
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  requests: number;
  /** Answers that were not 2xx, plus errors and timeouts: must be 0 for the figure to count. */
  failures: number;
}

function figures(result: Result): LoadFigures {
  return {
    reqPerSec: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    maxMs: result.latency.max,
    requests: result['2xx'],
    failures: result.non2xx + result.errors + result.timeouts,
  };
}

/** A load that runs until `stop()` (or its duration), for measuring while something else happens. */
export function startLoad(options: Options): { done: Promise<LoadFigures>; stop: () => void } {
  let stop = () => {};
  const done = new Promise<LoadFigures>((resolve, reject) => {
    const instance = autocannon({ timeout: 30, ...options }, (error, result) => (error ? reject(error) : resolve(figures(result))));
    stop = () => instance.stop();
  });
  return { done, stop };
}

/** Closed-loop load (as fast as `connections` clients can go): warm-up, then the measured run. */
export async function measureThroughput(url: string, settings: BenchSettings): Promise<LoadFigures> {
  await startLoad({ url, connections: settings.connections, duration: settings.warmupSeconds }).done;
  const result = await startLoad({ url, connections: settings.connections, duration: settings.loadSeconds }).done;
  if (result.failures > 0) throw new Error(`${url}: ${result.failures} failed requests under load`);
  return result;
}

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
