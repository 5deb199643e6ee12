import path from 'node:path';
import { backend, catalogStore, installedPlugins, progress, track, type BenchContext } from '../lib/context.js';
import { measureThroughput } from '../lib/load.js';
import { startBackend } from '../lib/oko.js';
import { LIST_PATH, pushLoadRows } from './catalog.js';

const BACKEND_LIST = '/api/v1/store?page=1&per_page=50';

/**
 * The backend's GET /api/v1/store (the store's page plus each entry's install state) against the
 * store's own list endpoint, with an empty plugins folder and again with 200 installed plugins.
 */
export async function backendListScenario(ctx: BenchContext): Promise<void> {
  const store = await catalogStore(ctx);
  const empty = await backend(ctx);
  progress('load: store list (baseline)');
  const base = await measureThroughput(store.url + LIST_PATH, ctx.settings);
  progress('load: backend /store, no plugin installed');
  const real = await measureThroughput(empty.url + BACKEND_LIST, ctx.settings);
  pushLoadRows(ctx, 'backend GET /api/v1/store, page of 50, 0 installed', real, base, "store's own list endpoint");

  const count = ctx.settings.startupPlugins;
  const full = await track(
    ctx,
    startBackend(ctx.logDir, {
      pluginsDir: await installedPlugins(ctx, count),
      dataDir: path.join(ctx.dir, 'backend-full-data'),
      storeUrl: store.url,
    }),
  );
  try {
    progress(`load: backend /store, ${count} plugins installed`);
    const loaded = await measureThroughput(full.url + BACKEND_LIST, ctx.settings);
    pushLoadRows(ctx, `backend GET /api/v1/store, page of 50, ${count} installed`, loaded, base, "store's own list endpoint");
  } finally {
    await full.stop();
  }
}
