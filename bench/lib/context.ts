import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { catalogSpec, makeInstalledPlugins, makePluginZip } from './fixtures.js';
import { pool, uploadZip } from './http.js';
import { startBackend, startStore } from './oko.js';
import type { Row } from './report.js';
import type { Service } from './services.js';
import type { BenchSettings } from './settings.js';
import { round } from './stats.js';

/** What the scenarios share: settings, the run's folder, the results, and services started once. */
export interface BenchContext {
  settings: BenchSettings;
  dir: string;
  logDir: string;
  rows: Row[];
  skipped: string[];
  info: Record<string, unknown>;
  services: Service[];
  catalogStore?: Service;
  eldFile?: string;
  backend?: Service;
  bigZip?: string;
}

export function progress(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

export async function track(ctx: BenchContext, started: Promise<Service>): Promise<Service> {
  const service = await started;
  ctx.services.push(service);
  return service;
}

/**
 * The store with the big catalog (settings.catalogSize plugins), filled by uploading small valid
 * ZIPs over HTTP, 4 at a time: the real upload path, so the catalog is what users would build.
 * It runs the event-loop-delay probe from the start and takes the 100 MB upload.
 */
export async function catalogStore(ctx: BenchContext): Promise<Service> {
  if (ctx.catalogStore) return ctx.catalogStore;
  ctx.eldFile = path.join(ctx.dir, 'eld.json');
  const store = await track(
    ctx,
    startStore(ctx.logDir, { storagePath: path.join(ctx.dir, 'catalog-store'), maxPluginSizeMb: 200, eldFile: ctx.eldFile }),
  );
  const zipDir = path.join(ctx.dir, 'catalog-zips');
  await mkdir(zipDir, { recursive: true });
  const count = ctx.settings.catalogSize;
  progress(`packing ${count} small plugin ZIPs`);
  const zips: string[] = [];
  for (let i = 0; i < count; i++) {
    const file = path.join(zipDir, `${i}.zip`);
    await makePluginZip(zipDir, file, catalogSpec(i));
    zips.push(file);
  }
  progress(`uploading ${count} plugins to the store (4 at a time)`);
  const started = performance.now();
  const times: number[] = [];
  await pool(zips, 4, async (zip) => {
    const t = performance.now();
    await uploadZip(store.url, zip);
    times.push(performance.now() - t);
  });
  const seconds = (performance.now() - started) / 1000;
  const tenth = Math.max(1, Math.floor(count / 10));
  const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  ctx.info.catalogFill = {
    plugins: count,
    how: 'HTTP uploads of small valid ZIPs, 4 concurrent',
    seconds: round(seconds),
    uploadsPerSecond: round(count / seconds, 1),
    firstTenthAvgMs: round(avg(times.slice(0, tenth))),
    lastTenthAvgMs: round(avg(times.slice(-tenth))),
  };
  progress(`catalog filled in ${seconds.toFixed(1)} s`);
  ctx.catalogStore = store;
  return store;
}

/** A backend with an empty plugins folder, pointed at the catalog store. */
export async function backend(ctx: BenchContext): Promise<Service> {
  if (ctx.backend) return ctx.backend;
  const store = await catalogStore(ctx);
  ctx.backend = await track(
    ctx,
    startBackend(ctx.logDir, {
      pluginsDir: path.join(ctx.dir, 'backend', 'plugins'),
      dataDir: path.join(ctx.dir, 'backend', 'data'),
      storeUrl: store.url,
    }),
  );
  return ctx.backend;
}

/** A plugins folder holding `count` minimal installed plugins; made once, then shared read-only. */
export async function installedPlugins(ctx: BenchContext, count: number): Promise<string> {
  const dir = path.join(ctx.dir, `installed-${count}`);
  const key = `installed-${count}`;
  if (!ctx.info[key]) {
    await makeInstalledPlugins(dir, count);
    ctx.info[key] = true;
  }
  return dir;
}

/** The big plugin ZIP: one incompressible static file of settings.bigUploadMb MiB. */
export async function bigZip(ctx: BenchContext): Promise<string> {
  if (ctx.bigZip) return ctx.bigZip;
  const file = path.join(ctx.dir, 'zips', 'big_upload.zip');
  progress(`making a ${ctx.settings.bigUploadMb} MiB plugin ZIP`);
  const pkg = await makePluginZip(path.join(ctx.dir, 'zips'), file, {
    name: 'big_upload',
    staticBytes: ctx.settings.bigUploadMb * 1024 * 1024,
  });
  ctx.info.bigZipBytes = pkg.size;
  ctx.bigZip = file;
  return file;
}
