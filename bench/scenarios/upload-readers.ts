import { setTimeout as sleep } from 'node:timers/promises';
import { bigZip, catalogStore, progress, type BenchContext } from '../lib/context.js';
import { uploadZip } from '../lib/http.js';
import { startLoad, type LoadFigures } from '../lib/load.js';
import type { Service } from '../lib/services.js';
import { median, round } from '../lib/stats.js';
import { readStoreProbe, type BodyReceipt } from '../lib/store-probe.js';
import { LIST_PATH } from './catalog.js';

const READERS = 200;

/** Seconds from the first byte sent to the 201; the plugin is deleted again afterwards. */
async function timedUpload(store: Service, zip: string): Promise<number> {
  const start = performance.now();
  const answer = await uploadZip(store.url, zip);
  const seconds = (performance.now() - start) / 1000;
  const removed = await fetch(`${store.url}/api/v1/plugins/${answer.plugin_id}`, { method: 'DELETE' });
  if (!removed.ok) throw new Error(`could not remove the uploaded plugin: HTTP ${removed.status}`);
  return seconds;
}

/**
 * The 100 MB upload while 200 readers load the catalog list as fast as they are answered (closed
 * loop, from a process of their own), against the same upload to the same store with nobody
 * reading. Issue 17's goal: at most 3x, and no reader sees an error.
 */
export async function uploadReadersScenario(ctx: BenchContext): Promise<void> {
  const store = await catalogStore(ctx);
  const zip = await bigZip(ctx);
  const reps = ctx.settings.quick ? 1 : 3;
  // The contention scenario leaves its upload of the same plugin in this store's catalog.
  const listed = await fetch(`${store.url}/api/v1/plugins/big_upload`);
  if (listed.ok) await fetch(`${store.url}/api/v1/plugins/${((await listed.json()) as { id: string }).id}`, { method: 'DELETE' });
  const idle: number[] = [];
  const busy: number[] = [];
  const readers: LoadFigures[] = [];
  const receipts: { idle: BodyReceipt[]; busy: BodyReceipt[] } = { idle: [], busy: [] };
  await readStoreProbe(ctx, store); // forgets the bodies of earlier scenarios
  for (let i = 0; i < reps; i++) {
    progress(`upload ${i + 1}/${reps}, nobody reading`);
    idle.push(await timedUpload(store, zip));
    receipts.idle.push(...(await readStoreProbe(ctx, store)).largeBodies);
    progress(`upload ${i + 1}/${reps} while ${READERS} readers load the catalog`);
    // Closed loop, for as long as the upload takes.
    const load = startLoad({ url: store.url + LIST_PATH, connections: READERS, duration: 3600 });
    await sleep(1000);
    busy.push(await timedUpload(store, zip));
    load.stop();
    const figures = await load.done;
    receipts.busy.push(...(await readStoreProbe(ctx, store)).largeBodies);
    if (figures.failures > 0) throw new Error(`${figures.failures} failed list requests during the upload`);
    readers.push(figures);
  }
  // How the store read each upload's body (children/eld-probe.ts): with the readers, a turn serves
  // their requests and then reads what the upload's socket holds, so time to 201 follows KiB per turn.
  ctx.info.uploadReaders = { idleS: idle.map((s) => round(s, 3)), busyS: busy.map((s) => round(s, 3)), readers, receipts };
  const perTurn = (list: BodyReceipt[]) => list.map((r) => `${r.kibPerTurn.p50} KiB × ${r.turnsWithData}`).join(', ');
  ctx.rows.push({
    scenario: `upload of a ${ctx.settings.bigUploadMb} MB plugin ZIP while ${READERS} readers load the catalog`,
    figure: 'time to 201',
    unit: 's',
    better: 'lower',
    value: median(busy),
    baseline: { label: 'the same upload, nobody reading', value: median(idle) },
    note:
      `readers: ${Math.round(median(readers.map((r) => r.reqPerSec)))} req/s, p99 ${median(readers.map((r) => r.p99Ms))} ms, 0 errors; ` +
      `body read per event-loop turn (median × turns), with readers: ${perTurn(receipts.busy)}; idle: ${perTurn(receipts.idle)}`,
  });
}
