import { execFile } from 'node:child_process';
import { copyFile, link, mkdir, readdir, rm } from 'node:fs/promises';
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

/** Whether the system's unzip and sha256sum can be run: the install baseline needs both. */
async function hasBaselineTools(): Promise<boolean> {
  if (!(await hasUnzip())) return false;
  return run('sha256sum', ['--version']).then(
    () => true,
    () => false,
  );
}

/**
 * Install of a 1 MB and a 20 MB plugin through the backend, from the request to the answer that
 * says state "discovered" (the backend answers once the plugin is listed), then uninstall, repeated
 * after one untimed warm-up of each.
 * Baseline: the same work done with standard tools. Download the archive from the store, unzip it
 * with the system's unzip, then the two steps the install gained later, so the ratio stays honest:
 * `sha256sum` of every unpacked file (the install hashes each file for its signature check and
 * tamper record) and a hard link of the ZIP into a cache folder (what `ln` does, copied when the
 * link fails, as the package cache keeps it).
 */
export async function installScenario(ctx: BenchContext): Promise<void> {
  const store = await catalogStore(ctx);
  const dashboard = await backend(ctx);
  const unzip = await hasBaselineTools();
  if (!unzip) {
    const note = "the system's unzip or sha256sum is not installed (apt-get install unzip coreutils): install baselines skipped";
    progress(note);
    ctx.skipped.push(note);
  }
  for (const mb of [1, 20]) {
    const name = `install_${mb}mb`;
    const zip = path.join(ctx.dir, 'zips', `${name}.zip`);
    await makePluginZip(path.join(ctx.dir, 'zips'), zip, { name, staticBytes: mb * 1024 * 1024 });
    const { plugin_id: id } = await uploadZip(store.url, zip);
    // Warm-up, untimed, as the lifecycle scenario's first load: a backend's first install also
    // compiles its code path and opens the connection to the store, and on this machine that
    // reached into the second and third of five installs, so the median was partly start-up. The
    // first install's time is kept in the results (firstInstallMs).
    const first = performance.now();
    await postJson<InstallAnswer>(`${dashboard.url}/api/v1/store/${id}/install`);
    const firstInstallMs = performance.now() - first;
    await postJson(`${dashboard.url}/api/v1/store/${name}/uninstall`);
    if (unzip) await downloadAndUnzip(ctx, `${store.url}/api/v1/plugins/${id}/download`, name);
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
    ctx.info[name] = {
      firstInstallMs: round(firstInstallMs),
      installMs: installs.map((ms) => round(ms)),
      downloadUnzipMs: baselines.map((ms) => round(ms)),
    };
    ctx.rows.push({
      scenario: `install of a ${mb} MB plugin, request to state discovered`,
      figure: 'time',
      unit: 's',
      better: 'lower',
      value: median(installs) / 1000,
      baseline: {
        label: unzip ? 'download + unzip + sha256sum of the files + link of the ZIP' : 'download + unzip (skipped: no unzip)',
        value: median(baselines) / 1000,
      },
    });
  }
}

async function downloadAndUnzip(ctx: BenchContext, url: string, name: string): Promise<number> {
  const work = path.join(ctx.dir, `unzip-${name}`);
  const zip = path.join(work, 'package.zip');
  const out = path.join(work, 'out');
  const cache = path.join(work, 'cache');
  await mkdir(cache, { recursive: true });
  const start = performance.now();
  await download(url, zip);
  await run('unzip', ['-q', '-o', zip, '-d', out]);
  const files = (await readdir(out, { recursive: true, withFileTypes: true }))
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath, entry.name));
  await run('sha256sum', ['--', ...files]);
  await link(zip, path.join(cache, 'package.zip')).catch(() => copyFile(zip, path.join(cache, 'package.zip')));
  const ms = performance.now() - start;
  await rm(work, { recursive: true, force: true });
  return ms;
}
