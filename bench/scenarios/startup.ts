import { once } from 'node:events';
import { mkdtemp } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../../test-support/free-port.js';
import { installedPlugins, progress, type BenchContext } from '../lib/context.js';
import { backendSpawnOptions } from '../lib/oko.js';
import { spawnService, stopProcess, tail } from '../lib/services.js';
import { median, round } from '../lib/stats.js';

/**
 * Backend start with 200 installed plugins: seconds from spawning the process to the first answer
 * of GET /api/v1/plugins that lists all of them. Baseline: the same with an empty plugins folder.
 */
export async function startupScenario(ctx: BenchContext): Promise<void> {
  const count = ctx.settings.startupPlugins;
  const full = await installedPlugins(ctx, count);
  const empty = await installedPlugins(ctx, 0);
  const withPlugins: number[] = [];
  const without: number[] = [];
  for (let i = 0; i < ctx.settings.startupReps; i++) {
    progress(`backend start ${i + 1}/${ctx.settings.startupReps}, ${count} plugins and none`);
    withPlugins.push(await timeToFirstAnswer(ctx, full, count));
    without.push(await timeToFirstAnswer(ctx, empty, 0));
  }
  ctx.info.startup = { withPluginsMs: withPlugins.map((ms) => round(ms)), withoutMs: without.map((ms) => round(ms)) };
  ctx.rows.push({
    scenario: `backend start with ${count} installed plugins`,
    figure: 'spawn to first answer',
    unit: 's',
    better: 'lower',
    value: median(withPlugins) / 1000,
    baseline: { label: 'the backend with no plugin', value: median(without) / 1000 },
  });
}

async function timeToFirstAnswer(ctx: BenchContext, pluginsDir: string, expected: number): Promise<number> {
  const port = await freePort();
  const dataDir = await mkdtemp(path.join(ctx.dir, 'startup-data-'));
  const start = performance.now();
  const { child, logFile } = spawnService(backendSpawnOptions(ctx.logDir, { pluginsDir, dataDir, storeUrl: 'http://127.0.0.1:9', port }));
  const exited = once(child, 'exit');
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`backend exited during startup:\n${tail(logFile)}`);
      if (performance.now() - start > 60_000) throw new Error(`backend did not answer within 60 s:\n${tail(logFile)}`);
      const answer = await fetch(`http://127.0.0.1:${port}/api/v1/plugins`).catch(() => null);
      if (answer?.ok) {
        const body = (await answer.json()) as { total: number };
        if (body.total !== expected) throw new Error(`backend listed ${body.total} plugins, expected ${expected}`);
        return performance.now() - start;
      }
      await sleep(5);
    }
  } finally {
    await stopProcess(child, exited);
  }
}
