import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { installedPlugins, progress, track, type BenchContext } from '../lib/context.js';
import { startEmptyChild, stopEmptyChild } from '../lib/empty-child.js';
import { postJson } from '../lib/http.js';
import { startBackend } from '../lib/oko.js';
import { procMemory } from '../lib/proc.js';
import { median, round } from '../lib/stats.js';

/**
 * Load and unload of one minimal plugin (ms each, through the HTTP API). Baseline: an empty Node
 * child with an IPC channel started and stopped, in turns with the plugin's load and unload. The
 * backend's RSS with many plugins active goes to the results' info; each plugin's own memory is
 * a process of its own, measured by the sandbox scenario.
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
    await stopEmptyChild(await startEmptyChild());
    const loads: number[] = [];
    const unloads: number[] = [];
    const starts: number[] = [];
    const stops: number[] = [];
    progress(`load/unload ${one} and start/stop an empty child ×${ctx.settings.lifecycleReps}`);
    for (let i = 0; i < ctx.settings.lifecycleReps; i++) {
      let t = performance.now();
      await postJson(`${api}/${one}/load`);
      loads.push(performance.now() - t);
      t = performance.now();
      await postJson(`${api}/${one}/unload`);
      unloads.push(performance.now() - t);
      t = performance.now();
      const child = await startEmptyChild();
      starts.push(performance.now() - t);
      t = performance.now();
      await stopEmptyChild(child);
      stops.push(performance.now() - t);
    }
    const empty = { startMs: median(starts), stopMs: median(stops) };
    ctx.info.lifecycle = {
      loadsMs: loads.map((x) => round(x)),
      unloadsMs: unloads.map((x) => round(x)),
      rssBeforeMb: round(before),
      rssAfterMb: round(after),
      emptyChild: empty,
    };
    const scenario = 'plugin load / unload';
    ctx.rows.push(
      {
        scenario,
        figure: 'load (request to active)',
        unit: 'ms',
        better: 'lower',
        value: median(loads),
        baseline: { label: 'empty node child with IPC started (until it answers)', value: empty.startMs },
      },
      {
        scenario,
        figure: 'unload (request to unloaded)',
        unit: 'ms',
        better: 'lower',
        value: median(unloads),
        baseline: { label: 'empty node child killed', value: empty.stopMs },
      },
    );
  } finally {
    await dashboard.stop();
  }
}
