import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { backend, bigZip, catalogStore, progress, type BenchContext } from '../lib/context.js';
import { makePluginZip } from '../lib/fixtures.js';
import { postJson, uploadZip } from '../lib/http.js';
import { pacedLoad, type PacedFigures } from '../lib/load.js';
import type { Service } from '../lib/services.js';
import { percentile, round } from '../lib/stats.js';
import { LIST_PATH } from './catalog.js';

/** Steady list traffic, well under the store's capacity, so latency shows waiting rather than queueing. */
const LIST_RATE = 200;
const INSTALLS = 5;
const INSTALL_MB = 5;

interface LoopDelay {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

interface Window {
  list: PacedFigures;
  healthP99Ms: number;
  healthMaxMs: number;
  loop: LoopDelay;
  seconds: number;
}

/**
 * The catalog list at a steady 200 req/s while the store takes a 100 MB upload and serves the
 * downloads of 5 installs (through the backend), against the same list with the store otherwise
 * idle. Event-loop delay two ways: the store's own (a monitorEventLoopDelay probe preloaded into
 * it, read on SIGUSR2) and from outside (latency of /api/v1/health polled every 20 ms).
 */
export async function contentionScenario(ctx: BenchContext): Promise<void> {
  const store = await catalogStore(ctx);
  const dashboard = await backend(ctx);
  const zip = await bigZip(ctx);
  const ids: string[] = [];
  for (let i = 0; i < INSTALLS; i++) {
    const name = `contend_${i}`;
    const file = path.join(ctx.dir, 'zips', `${name}.zip`);
    await makePluginZip(path.join(ctx.dir, 'zips'), file, { name, staticBytes: INSTALL_MB * 1024 * 1024 });
    ids.push((await uploadZip(store.url, file)).plugin_id);
  }

  progress(`list at ${LIST_RATE} req/s, store idle`);
  const idle = await measureWindow(ctx, store, async () => sleep(ctx.settings.loadSeconds * 1000));
  progress(`list at ${LIST_RATE} req/s during a ${ctx.settings.bigUploadMb} MB upload and ${INSTALLS} installs`);
  const work = { uploadS: 0, installsS: 0 };
  const busy = await measureWindow(ctx, store, async () => {
    await sleep(500);
    const start = performance.now();
    const upload = uploadZip(store.url, zip).then(() => (work.uploadS = (performance.now() - start) / 1000));
    const installs = Promise.all(ids.map((id) => postJson(`${dashboard.url}/api/v1/store/${id}/install`))).then(
      () => (work.installsS = (performance.now() - start) / 1000),
    );
    await Promise.all([upload, installs]);
    await sleep(500);
  });
  ctx.info.contention = { rate: LIST_RATE, idle, busy, work: { uploadS: round(work.uploadS), installsS: round(work.installsS) } };

  const scenario = `catalog list at ${LIST_RATE} req/s during a ${ctx.settings.bigUploadMb} MB upload + ${INSTALLS} installs`;
  const label = 'the same list, store idle';
  ctx.rows.push(
    {
      scenario,
      figure: 'list p99 latency',
      unit: 'ms',
      better: 'lower',
      value: busy.list.p99Ms,
      baseline: { label, value: idle.list.p99Ms },
    },
    {
      scenario,
      figure: 'store event-loop delay p99 (in-process probe)',
      unit: 'ms',
      better: 'lower',
      value: busy.loop.p99Ms,
      baseline: { label, value: idle.loop.p99Ms },
      note: `max ${busy.loop.maxMs.toFixed(0)} ms vs ${idle.loop.maxMs.toFixed(0)} ms idle`,
    },
    {
      scenario,
      figure: '/health p99 latency (outside view)',
      unit: 'ms',
      better: 'lower',
      value: busy.healthP99Ms,
      baseline: { label, value: idle.healthP99Ms },
      note: `max ${busy.healthMaxMs.toFixed(0)} ms vs ${idle.healthMaxMs.toFixed(0)} ms idle`,
    },
  );
}

async function measureWindow(ctx: BenchContext, store: Service, during: () => Promise<unknown>): Promise<Window> {
  await readLoopDelay(ctx, store); // starts the probe's histogram afresh
  const load = pacedLoad(store.url + LIST_PATH, LIST_RATE);
  const health: number[] = [];
  let probing = true;
  const prober = (async () => {
    while (probing) {
      const t = performance.now();
      const answer = await fetch(`${store.url}/api/v1/health`);
      await answer.arrayBuffer();
      health.push(performance.now() - t);
      await sleep(20);
    }
  })();
  const start = performance.now();
  try {
    await during();
  } finally {
    probing = false;
    load.stop();
  }
  const seconds = (performance.now() - start) / 1000;
  const list = await load.done;
  await prober;
  const loop = await readLoopDelay(ctx, store);
  if (list.failures > 0) throw new Error(`${list.failures} failed list requests`);
  return { list, healthP99Ms: percentile(health, 99), healthMaxMs: Math.max(...health), loop, seconds: round(seconds) };
}

/** Asks the probe in the store for its figures since the last ask. */
async function readLoopDelay(ctx: BenchContext, store: Service): Promise<LoopDelay> {
  const file = ctx.eldFile!;
  rmSync(file, { force: true });
  process.kill(store.pid, 'SIGUSR2');
  for (let i = 0; i < 500 && !existsSync(file); i++) await sleep(10);
  return JSON.parse(readFileSync(file, 'utf8')) as LoopDelay;
}
