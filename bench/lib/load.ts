import autocannon, { type Options, type Result } from 'autocannon';
import type { BenchSettings } from './settings.js';

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
