import { execFile } from 'node:child_process';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { backend, catalogStore, progress, type BenchContext } from '../lib/context.js';
import { makePluginZip } from '../lib/fixtures.js';
import { download, postJson, uploadZip } from '../lib/http.js';
import { median, round } from '../lib/stats.js';

const run = promisify(execFile);

interface InstallAnswer {
  plugin: { name: string; state: string };
}

/** Whether the system's unzip can be run; the baseline needs it, the figure does not. */
export async function hasUnzip(): Promise<boolean> {
  return run('unzip', ['-v']).then(
    () => true,
    () => false,
  );
}

/**
 * Install of a 1 MB and a 20 MB plugin through the backend, from the request to the answer that
 * says state "discovered" (the backend answers after its rescan), then uninstall, repeated.
 * Baseline: downloading the same archive from the store and unzipping it with the system's unzip.
 */
export async function installScenario(ctx: BenchContext): Promise<void> {
  const store = await catalogStore(ctx);
  const dashboard = await backend(ctx);
  const unzip = await hasUnzip();
  if (!unzip) {
    const note = "the system's unzip is not installed (apt-get install unzip): install baselines skipped";
    progress(note);
    ctx.skipped.push(note);
  }
  for (const mb of [1, 20]) {
    const name = `install_${mb}mb`;
    const zip = path.join(ctx.dir, 'zips', `${name}.zip`);
    await makePluginZip(path.join(ctx.dir, 'zips'), zip, { name, staticBytes: mb * 1024 * 1024 });
    const { plugin_id: id } = await uploadZip(store.url, zip);
    const installs: number[] = [];
    const baselines: number[] = [];
    for (let i = 0; i < ctx.settings.installReps; i++) {
      progress(`install ${name} ${i + 1}/${ctx.settings.installReps}`);
      const start = performance.now();
      const answer = await postJson<InstallAnswer>(`${dashboard.url}/api/v1/store/${id}/install`);
      installs.push(performance.now() - start);
      if (answer.plugin.state !== 'discovered') throw new Error(`${name} installed in state ${answer.plugin.state}`);
      await postJson(`${dashboard.url}/api/v1/store/${name}/uninstall`);
      if (unzip) baselines.push(await downloadAndUnzip(ctx, `${store.url}/api/v1/plugins/${id}/download`, name));
    }
    ctx.info[name] = { installMs: installs.map((ms) => round(ms)), downloadUnzipMs: baselines.map((ms) => round(ms)) };
    ctx.rows.push({
      scenario: `install of a ${mb} MB plugin, request to state discovered`,
      figure: 'time',
      unit: 's',
      better: 'lower',
      value: median(installs) / 1000,
      baseline: {
        label: unzip ? 'download the archive + system unzip' : 'download + unzip (skipped: no unzip)',
        value: median(baselines) / 1000,
      },
    });
  }
}

async function downloadAndUnzip(ctx: BenchContext, url: string, name: string): Promise<number> {
  const work = path.join(ctx.dir, `unzip-${name}`);
  await mkdir(work, { recursive: true });
  const start = performance.now();
  await download(url, path.join(work, 'package.zip'));
  await run('unzip', ['-q', '-o', path.join(work, 'package.zip'), '-d', path.join(work, 'out')]);
  const ms = performance.now() - start;
  await rm(work, { recursive: true, force: true });
  return ms;
}
