import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../test-support/service.js';
import { removeDir, tempDir } from '../test-support/fixtures.js';
import { eventually } from '../test-support/eventually.js';
import { api, getJson, post, request } from '../test-support/http.js';
import { startBackend, startStore } from '../test-support/processes.js';
import { freePort } from '../test-support/free-port.js';

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
    // A backend of its own: the cases below install into the shared one.
    const fresh = await startBackend({
      storeUrl: api(store),
      pluginsDir: path.join(dir, 'fresh', 'plugins'),
      dataDir: path.join(dir, 'fresh', 'backend'),
    });
    try {
      const { body } = await getJson<{ available: boolean; plugins: Array<{ name: string; installed: boolean }> }>(`${api(fresh)}/store`);
      expect(body.available).toBe(true);
      expect(body.plugins.map((p) => p.name).sort()).toEqual(['host_stats', 'http_probe', 'notes']);
      expect(body.plugins.every((p) => !p.installed)).toBe(true);
    } finally {
      await fresh.stop();
    }
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
    const answer = await request(`${api(backend)}${route}`);
    expect(answer.status).toBe(200);
  });
});

describe('npm start', () => {
  it('starts the store and the backend pointed at it, announces the dashboard, and stops both on SIGTERM', async () => {
    const [storePort, backendPort] = [await freePort(), await freePort()];
    const data = await tempDir('npm-start');
    // What `npm start` runs after the build; its own ports and folders so it never meets a running system.
    const launcher = spawn(process.execPath, [path.resolve('scripts/start-all.mjs')], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        OKO_STORE_PORT: String(storePort),
        OKO_PORT: String(backendPort),
        // Unset: the launcher points the backend at the store it starts, wherever OKO_STORE_PORT put it.
        OKO_STORE_URL: '',
        OKO_STORE_STORAGE_PATH: path.join(data, 'store'),
        OKO_PLUGINS_DIR: path.join(data, 'plugins'),
        OKO_DATA_DIR: path.join(data, 'backend'),
        OKO_STORE_SEED: 'true',
      },
    });
    let output = '';
    launcher.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    launcher.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = once(launcher, 'exit');
    try {
      // Until the launcher says it is ready, or has exited (the assertion below then shows its output).
      await eventually(
        () => output.includes('[start] OKO dashboard is ready') || launcher.exitCode !== null,
        (done) => done,
        60_000,
      ).catch(() => undefined);
      expect(output).toContain(`[start] OKO dashboard is ready: open http://127.0.0.1:${backendPort}`);
      const backendApi = `http://127.0.0.1:${backendPort}/api/v1`;
      const health = await getJson<{ available: boolean; url: string }>(`${backendApi}/store/health`);
      expect(health.body).toMatchObject({ available: true, url: `http://127.0.0.1:${storePort}/api/v1` });
      const listing = await getJson<{ plugins: Array<{ name: string }> }>(`${backendApi}/store`);
      expect(listing.body.plugins.map((p) => p.name).sort()).toEqual(['host_stats', 'http_probe', 'notes']);
    } finally {
      launcher.kill('SIGTERM');
      await exited;
      await removeDir(data);
    }
    // Both services went down with the launcher.
    for (const port of [storePort, backendPort]) {
      await expect(fetch(`http://127.0.0.1:${port}/api/v1/health`)).rejects.toThrow();
    }
  });
});
