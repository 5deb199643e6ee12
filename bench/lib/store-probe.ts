import { existsSync, readFileSync, rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BenchContext } from './context.js';
import type { Service } from './services.js';

/** How one large request body reached the store: bytes read per event-loop turn that read any. */
export interface BodyReceipt {
  ms: number;
  turnsWithData: number;
  kibPerTurn: { p10: number; p50: number; p90: number; max: number };
}

/** What children/eld-probe.ts, preloaded into the catalog store, reports since the last ask. */
export interface StoreProbeFigures {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  largeBodies: BodyReceipt[];
}

/** Asks the probe in the catalog store for its figures since the last ask (and starts it over). */
export async function readStoreProbe(ctx: BenchContext, store: Service): Promise<StoreProbeFigures> {
  const file = ctx.eldFile!;
  rmSync(file, { force: true });
  process.kill(store.pid, 'SIGUSR2');
  for (let i = 0; i < 500 && !existsSync(file); i++) await sleep(10);
  return JSON.parse(readFileSync(file, 'utf8')) as StoreProbeFigures;
}
