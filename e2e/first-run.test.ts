import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../test-support/service.js';
import { api, getJson, post, removeDir, startBackend, startStore, tempDir } from '../test-support/store-fixtures.js';

// The first run of a fresh machine: a new store seeds itself with the example plugins, and each
// of them installs into a backend from that store and becomes active.
let dir: string;
let store: RunningService;
let backend: RunningService;

beforeAll(async () => {
  dir = await tempDir('first-run');
  store = await startStore({ storageDir: path.join(dir, 'store'), env: { OKO_STORE_SEED: 'true' } });
  backend = await startBackend({ storeUrl: api(store), pluginsDir: path.join(dir, 'plugins'), dataDir: path.join(dir, 'backend') });
});

afterAll(async () => {
  await backend?.stop();
  await store?.stop();
  await removeDir(dir);
});

describe('first run', () => {
  it('shows the seeded example plugins in the backend store listing, none installed yet', async () => {
    const { body } = await getJson<{ available: boolean; plugins: Array<{ name: string; installed: boolean }> }>(`${api(backend)}/store`);
    expect(body.available).toBe(true);
    expect(body.plugins.map((p) => p.name).sort()).toEqual(['host_stats', 'http_probe', 'notes']);
    expect(body.plugins.every((p) => !p.installed)).toBe(true);
  });

  it.each([
    ['http_probe', '/plugins/http-probe/results'],
    ['host_stats', '/plugins/host-stats/stats'],
    ['notes', '/plugins/notes/notes'],
  ])('installs %s from the store, loads it and answers on %s', async (name, route) => {
    const { body } = await getJson<{ plugins: Array<{ id: string; name: string }> }>(`${api(backend)}/store`);
    const entry = body.plugins.find((p) => p.name === name)!;
    const install = await post(`${api(backend)}/store/${entry.id}/install`);
    expect(install.status, await install.clone().text()).toBe(200);
    expect(await install.json()).toMatchObject({ status: 'installed', plugin: { id: name, state: 'discovered', scope: 'external' } });
    const load = await post(`${api(backend)}/plugins/${name}/load`);
    expect(((await load.json()) as { state: string }).state).toBe('active');
    const answer = await fetch(`${api(backend)}${route}`);
    expect(answer.status).toBe(200);
  });
});
