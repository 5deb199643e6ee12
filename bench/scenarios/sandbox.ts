import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { installedPlugins, progress, type BenchContext } from '../lib/context.js';
import { CHILD_DIR } from '../lib/oko.js';
import { round } from '../lib/stats.js';

const run = promisify(execFile);

interface Side {
  processes: number;
  /** Mean over the processes alive at once; null when none could be read. */
  pssMb: number | null;
  ussMb: number | null;
}
interface Measured {
  plugin: Side & { loadMs: number; unloadMs: number; managerPssBeforeMb: number | null; managerPssAfterMb: number | null };
  empty: Side & { startMs: number; stopMs: number };
  samplesMs: Record<string, number[]>;
}

/**
 * Each plugin in a sandboxed child process of its own: load and unload time at the manager, and
 * the memory of each plugin process with several active, as PSS (RSS would count the shared node
 * binary in full for each process). Baseline, in the same run and the same process
 * (children/sandbox-measure.ts): an empty Node child with an IPC channel, its start-up, its stop,
 * and its PSS with as many alive at once. Goals: load <= 2x the empty child's start-up, memory
 * <= 1.3x its PSS.
 */
export async function sandboxScenario(ctx: BenchContext): Promise<void> {
  const count = ctx.settings.activePlugins;
  const reps = ctx.settings.lifecycleReps;
  const pluginsDir = await installedPlugins(ctx, count);
  progress(`sandbox: ${count} plugin processes and ${count} empty children at once, load/unload and start/stop ×${reps} in turns`);
  const script = path.join(CHILD_DIR, 'sandbox-measure.js');
  const { stdout } = await run(process.execPath, [script, pluginsDir, path.join(ctx.dir, 'sandbox-data'), String(reps), String(count)]);
  const { plugin, empty, samplesMs } = JSON.parse(stdout) as Measured;
  ctx.info.sandbox = {
    plugin,
    empty,
    samplesMs: Object.fromEntries(Object.entries(samplesMs).map(([key, values]) => [key, values.map((x) => round(x))])),
  };

  const scenario = 'sandboxed plugin process';
  ctx.rows.push(
    {
      scenario,
      figure: 'load (manager: launch until setup answered, state saved)',
      unit: 'ms',
      better: 'lower',
      value: plugin.loadMs,
      baseline: { label: 'empty node child with IPC started (fork → first message)', value: empty.startMs },
      note: 'goal: load <= 2x the empty child',
    },
    {
      scenario,
      figure: 'unload (manager: teardown, kill, state saved)',
      unit: 'ms',
      better: 'lower',
      value: plugin.unloadMs,
      baseline: { label: 'empty node child killed (SIGKILL → exit)', value: empty.stopMs },
    },
  );
  if (plugin.pssMb === null || plugin.ussMb === null || empty.pssMb === null || empty.ussMb === null) {
    ctx.skipped.push('sandbox memory: no /proc/<pid>/smaps_rollup to read (not Linux, or the plugin hosts have no pid of their own)');
    return;
  }
  const backendSide =
    plugin.managerPssAfterMb !== null && plugin.managerPssBeforeMb !== null
      ? `; the backend's own PSS grew by ${((plugin.managerPssAfterMb - plugin.managerPssBeforeMb) / count).toFixed(2)} MiB per plugin`
      : '';
  ctx.rows.push({
    scenario: `${count} sandboxed plugins active at once`,
    figure: 'PSS per plugin process',
    unit: 'MiB',
    better: 'lower',
    value: plugin.pssMb,
    baseline: { label: `PSS per empty child (${count} alive at once)`, value: empty.pssMb },
    note: `goal <= 1.3x; USS ${plugin.ussMb.toFixed(1)} MiB per plugin process vs ${empty.ussMb.toFixed(1)} MiB per empty child${backendSide}`,
  });
}
