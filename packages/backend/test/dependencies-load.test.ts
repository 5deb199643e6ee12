import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildTestBackend, type TestBackend } from '../../../test-support/backend-app.js';
import { expectErrorAnswer } from '../../../test-support/errors.js';
import { startFakeStore } from '../../../test-support/fake-store.js';
import { listDir, removeDir, sha256, tempDir, zipFiles } from '../../../test-support/fixtures.js';
import { api, getJson, post } from '../../../test-support/http.js';
import { dependencyFiles, type DependencyFixture } from './dependency-helpers.js';

// Engines and dependencies of plugins in the plugins folder: load checks, load order, IN_USE and
// the restore after a restart (an in-process rebuild on the same folders).

let root: string;
let pluginsDir: string;
let dataDir: string;
let backend: TestBackend | undefined;

beforeEach(async () => {
  root = await tempDir('dependencies-load');
  pluginsDir = path.join(root, 'plugins');
  dataDir = path.join(root, 'data');
});

afterEach(async () => {
  await backend?.close();
  backend = undefined;
  await removeDir(root);
});

/** Copies plugins into the plugins folder by hand, as an admin would. */
async function copyIn(...fixtures: DependencyFixture[]): Promise<void> {
  for (const fixture of fixtures) {
    const dir = path.join(pluginsDir, fixture.name);
    await mkdir(dir, { recursive: true });
    for (const [file, content] of Object.entries(dependencyFiles(fixture))) await writeFile(path.join(dir, file), content);
  }
}

async function start(): Promise<TestBackend> {
  backend = await buildTestBackend({ pluginsDir, dataDir });
  return backend;
}

const call = (route: string) => post(`${api(backend!)}${route}`);
const plugin = async (id: string) => (await getJson<Record<string, any>>(`${api(backend!)}/plugins/${id}`)).body;
const states = async () =>
  Object.fromEntries(
    (await getJson<{ plugins: Array<{ id: string; state: string }> }>(`${api(backend!)}/plugins`)).body.plugins.map((p) => [p.id, p.state]),
  );

describe('engines and dependencies at load', () => {
  it('puts a plugin whose engines.oko does not fit in state error with the reason', async () => {
    await copyIn({ name: 'from_future', engines: '>=3.0.0' });
    await start();
    await expectErrorAnswer(await call('/plugins/from_future/load'), 422, 'PLUGIN_LOAD_FAILED');
    expect(await plugin('from_future')).toMatchObject({
      state: 'error',
      error: { reason: 'needs OKO plugin API >=3.0.0; this dashboard offers 1.0.0' },
    });
  });

  it('refuses a plugin whose dependency is missing or at a version its range refuses', async () => {
    await copyIn({ name: 'needs_chart', dependencies: { chart_lib: '^1.2.0' } });
    await start();
    await expectErrorAnswer(await call('/plugins/needs_chart/load'), 422, 'PLUGIN_LOAD_FAILED');
    expect((await plugin('needs_chart')).error.reason).toBe('needs chart_lib ^1.2.0, which is not installed');

    await copyIn({ name: 'chart_lib', version: '1.0.0' });
    await expectErrorAnswer(await call('/plugins/needs_chart/load'), 422, 'PLUGIN_LOAD_FAILED');
    expect((await plugin('needs_chart')).error.reason).toBe('needs chart_lib ^1.2.0, installed is 1.0.0');
    expect((await plugin('chart_lib')).state).toBe('discovered');
  });

  it('loads an installed dependency that is not active first', async () => {
    await copyIn({ name: 'chart_lib', version: '1.4.0' }, { name: 'needs_chart', dependencies: { chart_lib: '^1.2.0' } });
    await start();
    const res = await call('/plugins/needs_chart/load');
    expect(res.status).toBe(200);
    expect(await states()).toEqual({ chart_lib: 'active', needs_chart: 'active' });
  });

  it('a page manifest written for another plugin API falls back with the reason', async () => {
    const page = `plugin_id: paged\nmanifest_version: "1.0"\nplugin_api_version: "2.0"\npage:\n  enabled: true\n  layout: content-only\n  components: []\n`;
    await copyIn({ name: 'paged', files: { 'page_manifest.yaml': page } });
    await start();
    const { body } = await getJson<{ negotiation: Record<string, unknown> }>(`${api(backend!)}/plugins/paged/manifest`);
    expect(body.negotiation).toMatchObject({ accepted: false, fallback_used: true });
    expect(body.negotiation.reason).toBe(
      'page_manifest.yaml plugin_api_version is incompatible: written for plugin API 2.0; this dashboard offers 1.0.0',
    );
  });
});

describe('IN_USE', () => {
  beforeEach(async () => {
    await copyIn({ name: 'chart_lib', version: '1.4.0' }, { name: 'dash_x', dependencies: { chart_lib: '~1.4.0' } });
    await start();
    expect((await call('/plugins/dash_x/load')).status).toBe(200);
  });

  it('refuses unloading or disabling a plugin an active plugin depends on, unless forced (which unloads the dependents first)', async () => {
    for (const operation of ['unload', 'disable']) {
      const res = await call(`/plugins/chart_lib/${operation}`);
      const message = await expectErrorAnswer(res.clone(), 409, 'IN_USE');
      expect(message).toMatch(/needed by dash_x/);
      expect(((await res.json()) as { error: { details: unknown } }).error.details).toEqual({ dependents: ['dash_x'] });
    }
    expect(await states()).toEqual({ chart_lib: 'active', dash_x: 'active' });

    const forced = await call('/plugins/chart_lib/unload?force=true');
    expect(forced.status).toBe(200);
    expect(await states()).toEqual({ chart_lib: 'discovered', dash_x: 'discovered' });
    // With no active dependent, nothing is in the way.
    expect((await call('/plugins/chart_lib/disable')).status).toBe(200);
  });

  it('refuses uninstalling a plugin any installed plugin depends on, unless forced', async () => {
    await expectErrorAnswer(await call('/store/chart_lib/uninstall'), 409, 'IN_USE');
    // Every installed dependent counts for uninstall, running or not.
    expect((await call('/plugins/dash_x/unload')).status).toBe(200);
    const res = await call('/store/chart_lib/uninstall');
    await expectErrorAnswer(res.clone(), 409, 'IN_USE');
    expect(((await res.json()) as { error: { details: unknown } }).error.details).toEqual({ dependents: ['dash_x'] });
    expect(await listDir(pluginsDir)).toContain('chart_lib');

    expect((await call('/plugins/dash_x/load')).status).toBe(200);
    expect((await call('/store/chart_lib/uninstall?force=true')).status).toBe(200);
    expect(await listDir(pluginsDir)).not.toContain('chart_lib');
    expect(await plugin('dash_x')).toMatchObject({ state: 'discovered', dependencies: { chart_lib: '~1.4.0' } });
  });
});

describe('restore after a restart', () => {
  it('loads dependencies before their dependents, whatever their names', async () => {
    // By name a_dash would come first, and would be refused while z_lib is not yet active.
    await copyIn(
      { name: 'z_lib' },
      { name: 'm_mid', dependencies: { z_lib: '^1.0.0' } },
      { name: 'a_dash', dependencies: { m_mid: '1.x' } },
    );
    await start();
    expect((await call('/plugins/a_dash/load')).status).toBe(200);
    expect(await states()).toEqual({ a_dash: 'active', m_mid: 'active', z_lib: 'active' });
    await backend!.close();

    backend = await buildTestBackend({ pluginsDir, dataDir });
    expect(await states()).toEqual({ a_dash: 'discovered', m_mid: 'discovered', z_lib: 'discovered' });
    await backend.app.pluginManager.restore();
    expect(await states()).toEqual({ a_dash: 'active', m_mid: 'active', z_lib: 'active' });
  });
});

describe("the package's own manifest", () => {
  it('is checked for its engine after extracting, even when the catalog entry says nothing of it', async () => {
    const zip = await zipFiles(dependencyFiles({ name: 'sly', engines: '^9.0.0' }));
    const store = await startFakeStore([
      {
        entry: {
          id: 'aaaaaaaaaaaa',
          name: 'sly',
          version: '1.0.0',
          size: zip.length,
          sha256: sha256(zip),
          manifest: { name: 'sly', version: '1.0.0' },
        },
        zip,
      },
    ]);
    try {
      backend = await buildTestBackend({ pluginsDir, dataDir, storeUrl: store.url });
      const message = await expectErrorAnswer(await call('/store/aaaaaaaaaaaa/install'), 422, 'INCOMPATIBLE');
      expect(message).toMatch(/needs OKO plugin API \^9\.0\.0/);
      expect((await listDir(pluginsDir)).filter((name) => !name.startsWith('.'))).toEqual([]);
      expect(store.requests.some((r) => r.url.endsWith('/download'))).toBe(true);
    } finally {
      await store.close();
    }
  });
});
