import { spawn } from 'node:child_process';
import { once } from 'node:events';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { backend, bigZip, catalogStore, progress, type BenchContext } from '../lib/context.js';
import { makePluginZip } from '../lib/fixtures.js';
import { postJson, uploadZip } from '../lib/http.js';
import { CHILD_DIR } from '../lib/oko.js';
import type { PacedFigures } from '../lib/paced-load.js';
import type { Service } from '../lib/services.js';
import { threadSchedule, type ThreadSchedule } from '../lib/proc.js';
import { round } from '../lib/stats.js';
import { readStoreProbe } from '../lib/store-probe.js';
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

/** What children/latency-probe.js reports. */
interface Latencies {
  list: PacedFigures;
  healthP99Ms: number;
  healthMaxMs: number;
  /** The probe's own event-loop delay: its stalls would count as the store's latency. */
  probeLoop: { p99Ms: number; maxMs: number };
}

interface Window extends Latencies {
  loop: LoopDelay;
  seconds: number;
  /** The store's main thread in the window: time on a core, and time it was ready but waited for one. */
  mainThread: ThreadSchedule | null;
}

/**
 * The catalog list at a steady 200 req/s while the store takes a 100 MB upload and serves the
 * downloads of 5 installs (through the backend), against the same list with the store otherwise
 * idle. Event-loop delay two ways: the store's own (a monitorEventLoopDelay probe preloaded into
 * it, read on SIGUSR2) and from outside (latency of /api/v1/health polled every 20 ms).
 *
 * The list load and the /health poll run in a child process (children/latency-probe.ts), so their
 * latencies are the store's and not the bench's: on this process's event loop they waited behind
 * the upload client and the install calls (on a quiet machine, list p99 146 ms during the upload
 * while the store's own event-loop delay p99 was 10 ms). The upload goes through the CLI's
 * streaming uploader (lib/http.ts), what `oko-plugin publish` users run, which costs the bench
 * less CPU than fetch + FormData on the two cores the store needs.
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
    const upload = uploadFromElsewhere(store.url, zip).then(() => (work.uploadS = (performance.now() - start) / 1000));
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
      ...(busy.mainThread && idle.mainThread ? { note: waitNote(busy, idle) } : {}),
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
  const probe = await startLatencyProbe(store.url);
  const scheduled = threadSchedule(store.pid);
  const start = performance.now();
  try {
    await during();
  } finally {
    probe.stop();
  }
  const seconds = (performance.now() - start) / 1000;
  const ended = threadSchedule(store.pid);
  const mainThread =
    scheduled && ended ? { runMs: round(ended.runMs - scheduled.runMs), waitMs: round(ended.waitMs - scheduled.waitMs) } : null;
  const latencies = await probe.figures;
  const loop = await readLoopDelay(ctx, store);
  if (latencies.list.failures > 0) throw new Error(`${latencies.list.failures} failed list requests`);
  return { ...latencies, loop, seconds: round(seconds), mainThread };
}

/** Starts children/latency-probe.js on the store; its figures arrive once stop() closes its stdin. */
async function startLatencyProbe(storeUrl: string): Promise<{ stop: () => void; figures: Promise<Latencies> }> {
  const child = spawn(process.execPath, [path.join(CHILD_DIR, 'latency-probe.js'), storeUrl, LIST_PATH, String(LIST_RATE)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const first = await lines.next();
  if (first.done || first.value !== 'started') {
    child.kill('SIGKILL');
    throw new Error(`latency probe did not start: ${first.done ? '(no output)' : first.value}`);
  }
  const figures = (async () => {
    const report = await lines.next();
    const [code, signal] = await exited;
    if (report.done || code !== 0) throw new Error(`latency probe ended with ${signal ?? code} and no figures`);
    return JSON.parse(report.value) as Latencies;
  })();
  figures.catch(() => {}); // read after the window; an early failure must not crash the bench meanwhile
  return { stop: () => child.stdin!.end(), figures };
}

/** The store's event-loop delay since the last ask (the probe starts over). */
async function readLoopDelay(ctx: BenchContext, store: Service): Promise<LoopDelay> {
  const { p50Ms, p99Ms, maxMs } = await readStoreProbe(ctx, store);
  return { p50Ms, p99Ms, maxMs };
}

/** How much of each window the store's main thread was ready to run but had no core. */
function waitNote(busy: Window, idle: Window): string {
  const share = (w: Window) => `${Math.round(w.mainThread!.waitMs)} ms of ${Math.round(w.seconds * 1000)} ms`;
  return `the store's main thread waited for a core ${share(busy)} (idle window: ${share(idle)}), ran ${Math.round(busy.mainThread!.runMs)} ms`;
}

/**
 * Nice value of the upload's client. A real client uploads from another machine and takes no CPU
 * from the store's; here it shares the two cores, and at the store's priority it took one of them
 * for the whole upload (list p99 13x idle with the client at nice 0 in a process of its own, against
 * 2.0-6.4x at 19, quiet machine). At 19 it runs on what the services leave.
 */
const UPLOAD_CLIENT_NICE = 19;

/** The upload through the CLI's uploader (children/upload-client.ts), in a process at UPLOAD_CLIENT_NICE. */
async function uploadFromElsewhere(storeUrl: string, zip: string): Promise<void> {
  const child = spawn(process.execPath, [path.join(CHILD_DIR, 'upload-client.js'), storeUrl, zip], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  os.setPriority(child.pid!, UPLOAD_CLIENT_NICE);
  const [code, signal] = await exited;
  if (code !== 0) throw new Error(`the upload client ended with ${signal ?? code}`);
}
