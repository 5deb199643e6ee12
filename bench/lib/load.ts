import { spawn } from 'node:child_process';
import path from 'node:path';
import type { Options, Result } from 'autocannon';
import { CHILD_DIR } from './oko.js';
import { procCpuSeconds } from './proc.js';
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

export function figuresOf(result: Result): LoadFigures {
  return {
    reqPerSec: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    maxMs: result.latency.max,
    requests: result['2xx'],
    failures: result.non2xx + result.errors + result.timeouts,
  };
}

/**
 * A load that runs for its duration or until `stop()`, from a fresh process (children/load.ts):
 * the bench's own event loop, and its history, never set the pace.
 */
export function startLoad(options: Options): { done: Promise<LoadFigures>; stop: () => void } {
  const child = spawn(process.execPath, [path.join(CHILD_DIR, 'load.js'), JSON.stringify(options)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  const done = new Promise<LoadFigures>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (code === 0 && out.trim()) resolve(JSON.parse(out) as LoadFigures);
      else reject(new Error(`the load process for ${options.url} ended with ${signal ?? code} and no figures`));
    });
  });
  return { done, stop: () => child.stdin!.end() };
}

/** Closed-loop load (as fast as `connections` clients can go): warm-up, then the measured run. */
export async function measureThroughput(url: string, settings: BenchSettings): Promise<LoadFigures> {
  await startLoad({ url, connections: settings.connections, duration: settings.warmupSeconds }).done;
  const result = await startLoad({ url, connections: settings.connections, duration: settings.loadSeconds }).done;
  if (result.failures > 0) throw new Error(`${url}: ${result.failures} failed requests under load`);
  return result;
}

/** A server under load: where to send it and which process to charge the CPU to. */
export interface LoadTarget {
  url: string;
  pid: number;
}

/** One side of measureInTurns: the median round's figures, and CPU per answer over all rounds. */
export interface TurnFigures extends LoadFigures {
  /** Server CPU (all threads, user + system) per answered request, in microseconds; null off Linux. */
  cpuUsPerRequest: number | null;
}

/**
 * A figure and its baseline measured in turns, `rounds` times, each run `seconds` long: on a
 * shared machine the load changes from one run to the next, and one long run of each measured
 * that change as often as the code. Returns the round whose ratio (figure ÷ baseline req/s) is the
 * median, so both figures come from the same moment, and every round's ratio. Each side's server
 * CPU per request is summed over all rounds: req/s moves with whatever else the two cores run,
 * the CPU a server spends on one answer much less.
 */
export async function measureInTurns(
  target: LoadTarget,
  baseline: LoadTarget,
  settings: BenchSettings,
  rounds = settings.quick ? 1 : 8,
): Promise<{ real: TurnFigures; base: TurnFigures; ratios: number[] }> {
  const cpu = { real: { seconds: 0, requests: 0 }, base: { seconds: 0, requests: 0 } };
  const run = async (side: 'real' | 'base', duration: number, counted = true) => {
    const { url, pid } = side === 'real' ? target : baseline;
    const before = procCpuSeconds(pid);
    const figures = await startLoad({ url, connections: settings.connections, duration }).done;
    const after = procCpuSeconds(pid);
    if (figures.failures > 0) throw new Error(`${url}: ${figures.failures} failed requests under load`);
    if (counted && before !== null && after !== null) {
      cpu[side].seconds += after - before;
      cpu[side].requests += figures.requests;
    }
    return figures;
  };
  await run('real', settings.warmupSeconds, false);
  await run('base', settings.warmupSeconds, false);
  const turns: Array<{ real: LoadFigures; base: LoadFigures; ratio: number }> = [];
  const seconds = Math.max(1, Math.round(settings.loadSeconds * 0.3));
  for (let i = 0; i < rounds; i++) {
    // Which goes first alternates, so neither always runs right after the other's garbage.
    const [real, base] =
      i % 2 === 0
        ? [await run('real', seconds), await run('base', seconds)]
        : await run('base', seconds).then(async (b) => [await run('real', seconds), b] as const);
    turns.push({ real, base, ratio: real.reqPerSec / base.reqPerSec });
  }
  const sorted = [...turns].sort((a, b) => a.ratio - b.ratio);
  const median = sorted[Math.floor(sorted.length / 2)]!;
  const perRequest = (side: 'real' | 'base') =>
    cpu[side].requests > 0 && cpu[side].seconds > 0 ? (cpu[side].seconds * 1e6) / cpu[side].requests : null;
  return {
    real: { ...median.real, cpuUsPerRequest: perRequest('real') },
    base: { ...median.base, cpuUsPerRequest: perRequest('base') },
    ratios: turns.map((turn) => turn.ratio),
  };
}
