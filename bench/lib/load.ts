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

/**
 * A figure and its baseline measured in turns, `rounds` times, each run `seconds` long: on a
 * shared machine the load changes from one 10 s run to the next, and one run of each measured
 * that change as often as the code. Returns the round whose ratio (figure ÷ baseline req/s) is the
 * median, so both figures come from the same moment, and every round's ratio.
 */
export async function measureInTurns(
  url: string,
  baselineUrl: string,
  settings: BenchSettings,
  rounds = settings.quick ? 1 : 5,
): Promise<{ real: LoadFigures; base: LoadFigures; ratios: number[] }> {
  const run = (target: string, duration: number) => startLoad({ url: target, connections: settings.connections, duration }).done;
  await run(url, settings.warmupSeconds);
  await run(baselineUrl, settings.warmupSeconds);
  const turns: Array<{ real: LoadFigures; base: LoadFigures; ratio: number }> = [];
  const seconds = Math.max(1, Math.round(settings.loadSeconds / 2));
  for (let i = 0; i < rounds; i++) {
    // Which goes first alternates, so neither always runs right after the other's garbage.
    let real: LoadFigures;
    let base: LoadFigures;
    if (i % 2 === 0) {
      real = await run(url, seconds);
      base = await run(baselineUrl, seconds);
    } else {
      base = await run(baselineUrl, seconds);
      real = await run(url, seconds);
    }
    for (const [target, figures] of [
      [url, real],
      [baselineUrl, base],
    ] as const) {
      if (figures.failures > 0) throw new Error(`${target}: ${figures.failures} failed requests under load`);
    }
    turns.push({ real, base, ratio: real.reqPerSec / base.reqPerSec });
  }
  const sorted = [...turns].sort((a, b) => a.ratio - b.ratio);
  const median = sorted[Math.floor(sorted.length / 2)]!;
  return { real: median.real, base: median.base, ratios: turns.map((turn) => turn.ratio) };
}
