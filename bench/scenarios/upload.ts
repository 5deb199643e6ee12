import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { bigZip, progress, track, type BenchContext } from '../lib/context.js';
import { uploadZip } from '../lib/http.js';
import { CHILD_DIR, startStore } from '../lib/oko.js';
import { procMemory, RssSampler } from '../lib/proc.js';
import { median, round } from '../lib/stats.js';

const run = promisify(execFile);

/** A fresh node process stream-copying the file on the same disk: the upload's baseline. */
async function copyOnce(ctx: BenchContext, zip: string, i: number): Promise<{ ms: number; hwmMb: number }> {
  const target = path.join(ctx.dir, `copy-${i}.zip`);
  const { stdout } = await run(process.execPath, [path.join(CHILD_DIR, 'copy-file.js'), zip, target]);
  await rm(target);
  return JSON.parse(stdout) as { ms: number; hwmMb: number };
}

/**
 * Upload of the 100 MB ZIP to a fresh store (nothing else in its memory): seconds until the 201,
 * and the store's peak RSS. Baseline: a fresh node process stream-copying the same file on the
 * same disk. The client is the CLI's streaming uploader (lib/http.ts), what `oko-plugin publish`
 * users run; fetch + FormData took twice its CPU to send 100 MB (see lib/http.ts), on the two
 * cores the store needs, and that time was inside the figure.
 */
export async function uploadScenario(ctx: BenchContext): Promise<void> {
  const zip = await bigZip(ctx);
  const reps = ctx.settings.quick ? 1 : 5;
  const store = await track(ctx, startStore(ctx.logDir, { storagePath: path.join(ctx.dir, 'upload-store'), maxPluginSizeMb: 200 }));
  const idleRssMb = procMemory(store.pid)?.rssMb ?? NaN;
  const seconds: number[] = [];
  const copies: Array<{ ms: number; hwmMb: number }> = [];
  let peak = { peakRssMb: 0, hwmMb: 0 };
  try {
    // Each upload is paired with a copy right after it: on a shared machine the load changes from
    // minute to minute, and a ratio of two figures taken a minute apart measured that instead.
    for (let i = 0; i < reps; i++) {
      progress(`upload ${i + 1}/${reps} of ${path.basename(zip)}`);
      const sampler = new RssSampler(store.pid);
      const start = performance.now();
      const answer = await uploadZip(store.url, zip);
      seconds.push((performance.now() - start) / 1000);
      peak = sampler.stop();
      const removed = await fetch(`${store.url}/api/v1/plugins/${answer.plugin_id}`, { method: 'DELETE' });
      if (!removed.ok) throw new Error(`could not remove the uploaded plugin: HTTP ${removed.status}`);
      copies.push(await copyOnce(ctx, zip, i));
    }
  } finally {
    await store.stop();
  }

  const scenario = `upload of a ${ctx.settings.bigUploadMb} MB plugin ZIP`;
  ctx.info.upload = { idleRssMb: round(idleRssMb), seconds: seconds.map((s) => round(s, 3)), copies };
  ctx.rows.push(
    {
      scenario,
      figure: 'time to 201',
      unit: 's',
      better: 'lower',
      value: median(seconds),
      baseline: { label: 'stream copy of the file, same disk', value: median(copies.map((c) => c.ms)) / 1000 },
    },
    {
      scenario,
      figure: 'peak RSS of the store',
      unit: 'MiB',
      better: 'lower',
      value: Math.max(peak.hwmMb, peak.peakRssMb),
      baseline: { label: 'peak RSS of the copying node process', value: Math.max(...copies.map((c) => c.hwmMb)) },
      note: `store idle RSS before the upload: ${idleRssMb.toFixed(0)} MiB`,
    },
  );
}
