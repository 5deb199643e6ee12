import { execFile } from 'node:child_process';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { installedPlugins, progress, track, type BenchContext } from '../lib/context.js';
import { postJson } from '../lib/http.js';
import { CHILD_DIR, startBackend } from '../lib/oko.js';
import { procMemory } from '../lib/proc.js';
import { median, round } from '../lib/stats.js';

const run = promisify(execFile);

/**
 * Load and unload of one minimal plugin (ms each, through the HTTP API), and the RSS each active
 * plugin adds with many active at once. Baseline: an empty worker thread started and stopped, and
 * the RSS one empty worker adds, measured in a node process of its own.
 */
export async function lifecycleScenario(ctx: BenchContext): Promise<void> {
  const count = ctx.settings.activePlugins;
  const pluginsDir = await installedPlugins(ctx, count);
  // No store call happens here; the URL only has to be valid.
  const dashboard = await track(
    ctx,
    startBackend(ctx.logDir, { pluginsDir, dataDir: path.join(ctx.dir, 'lifecycle-data'), storeUrl: 'http://127.0.0.1:9' }),
  );
  const api = `${dashboard.url}/api/v1/plugins`;
  try {
    // Memory first, on the fresh backend: memory freed by earlier workers stays with malloc and
    // would hide part of what new ones cost (the baseline measures in the same order).
    await sleep(500);
    const before = procMemory(dashboard.pid)!.rssMb;
    progress(`loading ${count} plugins`);
    const names = Array.from({ length: count }, (_, i) => `bench_${String(i).padStart(4, '0')}`);
    for (const name of names) await postJson(`${api}/${name}/load`);
    await sleep(1000);
    const after = procMemory(dashboard.pid)!.rssMb;
    for (const name of names) await postJson(`${api}/${name}/unload`);

    const one = 'bench_0000';
    await postJson(`${api}/${one}/load`); // warm-up: first import of the host code
    await postJson(`${api}/${one}/unload`);
    const loads: number[] = [];
    const unloads: number[] = [];
    progress(`load/unload ${one} ×${ctx.settings.lifecycleReps}`);
    for (let i = 0; i < ctx.settings.lifecycleReps; i++) {
      let t = performance.now();
      await postJson(`${api}/${one}/load`);
      loads.push(performance.now() - t);
      t = performance.now();
      await postJson(`${api}/${one}/unload`);
      unloads.push(performance.now() - t);
    }

    const { stdout } = await run(process.execPath, [
      path.join(CHILD_DIR, 'empty-workers.js'),
      String(ctx.settings.lifecycleReps),
      String(count),
    ]);
    const empty = JSON.parse(stdout) as { startMs: number; stopMs: number; rssPerWorkerMb: number };
    ctx.info.lifecycle = {
      loadsMs: loads.map((x) => round(x)),
      unloadsMs: unloads.map((x) => round(x)),
      rssBeforeMb: round(before),
      rssAfterMb: round(after),
      emptyWorker: empty,
    };
    const scenario = 'plugin load / unload';
    ctx.rows.push(
      {
        scenario,
        figure: 'load (request to active)',
        unit: 'ms',
        better: 'lower',
        value: median(loads),
        baseline: { label: 'empty worker started (until it answers)', value: empty.startMs },
      },
      {
        scenario,
        figure: 'unload (request to unloaded)',
        unit: 'ms',
        better: 'lower',
        value: median(unloads),
        baseline: { label: 'empty worker terminated', value: empty.stopMs },
      },
      {
        scenario: `${count} plugins active at once`,
        figure: 'RSS per active plugin',
        unit: 'MiB',
        better: 'lower',
        value: (after - before) / count,
        baseline: { label: 'RSS per empty worker', value: empty.rssPerWorkerMb },
        note: `backend RSS ${before.toFixed(0)} MiB with none active, ${after.toFixed(0)} MiB with ${count}`,
      },
    );
  } finally {
    await dashboard.stop();
  }
}
