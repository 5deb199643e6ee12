import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, openSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { progress, track, type BenchContext } from '../lib/context.js';
import { ROOT, startBackend } from '../lib/oko.js';
import { tail } from '../lib/services.js';
import { median, percentile, round } from '../lib/stats.js';

const CLI = path.join(ROOT, 'packages/cli/bin/oko-plugin.js');
/** How often the route is asked while waiting for the new code; the resolution of the figure. */
const POLL_MS = 5;
const TIMEOUT_MS = 30_000;

const manifest = (name: string) => JSON.stringify({ name, version: '0.1.0', description: 'dev reload bench', capabilities: [] });
const code = (answer: string) =>
  `export async function setup(ctx) {\n  ctx.routes.get('/answer', async () => ({ answer: '${answer}' }));\n}\n`;

/** Resolves with the ms from `start` until the plugin's route answers `answer`. */
async function answeredAfter(url: string, answer: string, start: number): Promise<number> {
  for (;;) {
    const res = await fetch(url).catch(() => null);
    const text = res ? await res.text() : '';
    if (res?.ok && (JSON.parse(text) as { answer?: string }).answer === answer) return performance.now() - start;
    if (performance.now() - start > TIMEOUT_MS) throw new Error(`${url} did not answer '${answer}' within ${TIMEOUT_MS / 1000} s`);
    await sleep(POLL_MS);
  }
}

/**
 * `oko-plugin dev`: time from a file save to the new code answering its route (the CLI's watch,
 * 100 ms debounce, validation and hashing, the push, the backend's reload), median of N saves.
 * Baseline: the backend's part alone, the same one-file change sent straight as
 * PUT /dev/plugins/{name} to another development plugin, until its new code answers.
 */
export async function devReloadScenario(ctx: BenchContext): Promise<void> {
  const backend = await track(
    ctx,
    startBackend(ctx.logDir, {
      pluginsDir: path.join(ctx.dir, 'dev-reload', 'plugins'),
      dataDir: path.join(ctx.dir, 'dev-reload', 'data'),
      storeUrl: 'http://127.0.0.1:9',
      env: { OKO_DEV_PLUGINS: 'true' },
    }),
  );
  const viaCli = 'bench_dev_cli';
  const direct = 'bench_dev_direct';
  const folder = path.join(ctx.dir, 'dev-reload', viaCli);
  await mkdir(folder, { recursive: true });
  await writeFile(path.join(folder, 'manifest.json'), manifest(viaCli));
  await writeFile(path.join(folder, 'index.js'), code('start'));
  const routeOf = (name: string) => `${backend.url}/api/v1/plugins/${name.replace(/_/g, '-')}/answer`;
  const put = (name: string, files: Record<string, string>, replace = false) =>
    fetch(`${backend.url}/api/v1/dev/plugins/${name}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        ...(replace ? { replace: true } : {}),
        files: Object.entries(files).map(([file, text]) => ({ path: file, content_base64: Buffer.from(text).toString('base64') })),
      }),
    }).then(async (res) => {
      if (!res.ok) throw new Error(`PUT ${name}: HTTP ${res.status} ${await res.text()}`);
    });

  const logFile = path.join(ctx.logDir, 'dev-cli.log');
  const fd = openSync(logFile, 'w');
  const cli = spawn(process.execPath, [CLI, 'dev', folder, '--backend', backend.url], { stdio: ['ignore', fd, fd] });
  closeSync(fd);
  const exited = once(cli, 'exit');
  try {
    await answeredAfter(routeOf(viaCli), 'start', performance.now()).catch((error: Error) => {
      throw new Error(`${error.message}; the CLI printed:\n${tail(logFile)}`);
    });
    await put(direct, { 'manifest.json': manifest(direct), 'index.js': code('start') }, true);
    await answeredAfter(routeOf(direct), 'start', performance.now());

    const saves: number[] = [];
    const pushes: number[] = [];
    progress(`${ctx.settings.devReloadReps} saves through oko-plugin dev, and as many direct pushes`);
    for (let i = 0; i < ctx.settings.devReloadReps; i++) {
      let start = performance.now();
      await writeFile(path.join(folder, 'index.js'), code(`save ${i}`));
      saves.push(await answeredAfter(routeOf(viaCli), `save ${i}`, start));
      start = performance.now();
      await put(direct, { 'index.js': code(`push ${i}`) });
      pushes.push(await answeredAfter(routeOf(direct), `push ${i}`, start));
      // The CLI prints its answer after the route already serves the new code: let it finish.
      await sleep(150);
    }
    ctx.info.devReload = { savesMs: saves.map((ms) => round(ms)), directPushesMs: pushes.map((ms) => round(ms)), pollMs: POLL_MS };
    ctx.rows.push({
      scenario: 'oko-plugin dev',
      figure: `file save to new code answering (median of ${saves.length}; p90 ${Math.round(percentile(saves, 90))} ms)`,
      unit: 'ms',
      better: 'lower',
      value: median(saves),
      baseline: { label: 'the same change PUT straight to the backend', value: median(pushes) },
      note: 'aim: under 1000 ms; the figure includes the 100 ms debounce',
    });
  } finally {
    cli.kill('SIGINT');
    const timer = setTimeout(() => cli.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
    await backend.stop();
  }
}
