import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildTestBackend, type TestBackend } from '../../../test-support/backend-app.js';
import { expectErrorAnswer } from '../../../test-support/errors.js';
import { listDir, removeDir, tempDir } from '../../../test-support/fixtures.js';
import { api, getJson, post } from '../../../test-support/http.js';
import { buildTestStore, type TestStore } from '../../../test-support/store-app.js';
import { VersionSettingsStore } from '../src/versions/version-settings.js';
import { publish, serveVersionHistory } from './dependency-helpers.js';

// Dependency plans, consent, conflicts and pins against a real store and backend built in-process.

let root: string;
let store: TestStore;
let backend: TestBackend;
let pluginsDir: string;

beforeEach(async () => {
  root = await tempDir('dependencies');
  pluginsDir = path.join(root, 'plugins');
  store = await buildTestStore({ storageDir: path.join(root, 'store') });
  serveVersionHistory(store);
  backend = await buildTestBackend({ storeUrl: api(store), pluginsDir, dataDir: path.join(root, 'data') });
});

afterEach(async () => {
  await backend?.close();
  await store?.close();
  await removeDir(root);
});

const install = (id: string, body?: unknown) => post(`${api(backend)}/store/${id}/install`, body);
const plugin = async (id: string) => (await getJson<Record<string, unknown>>(`${api(backend)}/plugins/${id}`)).body;
/** The one error shape with `status` and `code`; answers the body to look into. */
async function refused(res: Response, status: number, code: string): Promise<{ error: { message: string; details?: unknown } }> {
  await expectErrorAnswer(res.clone(), status, code);
  return (await res.json()) as { error: { message: string; details?: unknown } };
}
const installedNames = async () => (await listDir(pluginsDir)).filter((name) => !name.startsWith('.'));

/** chart_lib 1.0.0, 1.5.0 and 2.0.0 in the store; answers their ids. */
async function publishChartLib(): Promise<Record<string, string>> {
  const ids: Record<string, string> = {};
  for (const version of ['1.0.0', '1.5.0', '2.0.0']) {
    ids[version] = await publish(store, { name: 'chart_lib', version, permissions: { env: [`CHART_${version.replace(/\./g, '_')}`] } });
  }
  return ids;
}

describe('engines at install', () => {
  it('refuses a version whose engines.oko does not fit this dashboard with 422 INCOMPATIBLE, writing nothing', async () => {
    const id = await publish(store, { name: 'future_plugin', engines: '>=2.0.0' });
    const body = await refused(await install(id), 422, 'INCOMPATIBLE');
    expect(body.error.message).toMatch(/needs OKO plugin API >=2\.0\.0; this dashboard offers 1\.0\.0/);
    expect(await installedNames()).toEqual([]);
    const fits = await publish(store, { name: 'present_plugin', engines: '>=1.0.0 <2' });
    expect((await install(fits)).status).toBe(200);
  });
});

describe('dependency plans', () => {
  it('answers 409 DEPENDENCIES_REQUIRED with the plan (newest version that satisfies, not the newest) and installs nothing', async () => {
    const chart = await publishChartLib();
    const id = await publish(store, { name: 'dashboard_x', dependencies: { chart_lib: '^1.2.0' } });
    const body = await refused(await install(id), 409, 'DEPENDENCIES_REQUIRED');
    expect(body.error.message).toMatch(/needs plugins that are not installed: chart_lib 1\.5\.0/);
    expect(body.error.details).toEqual({
      install: [
        {
          name: 'chart_lib',
          version: '1.5.0',
          id: chart['1.5.0'],
          permissions: { network: [], listen: false, env: ['CHART_1_5_0'], read: [] },
          required_by: ['dashboard_x@^1.2.0'],
        },
      ],
    });
    expect(await installedNames()).toEqual([]);
  });

  it('with accept_dependencies installs the dependency (with its own grant), then the plugin, and lists both', async () => {
    await publishChartLib();
    const id = await publish(store, { name: 'dashboard_x', dependencies: { chart_lib: '^1.2.0' } });
    const res = await install(id, { accept_dependencies: true });
    expect(res.status).toBe(200);
    const answer = (await res.json()) as Record<string, any>;
    expect(answer.plugin).toMatchObject({ id: 'dashboard_x', version: '1.0.0' });
    expect(answer.dependencies_installed).toEqual([
      { id: 'chart_lib', name: 'chart_lib', version: '1.5.0', state: 'discovered', scope: 'external' },
    ]);
    expect(await installedNames()).toEqual(['chart_lib', 'dashboard_x']);
    expect(await plugin('chart_lib')).toMatchObject({
      version: '1.5.0',
      dependencies: {},
      dependents: ['dashboard_x'],
      permissions: { granted: { env: ['CHART_1_5_0'] } },
    });
    expect(await plugin('dashboard_x')).toMatchObject({ dependencies: { chart_lib: '^1.2.0' }, dependents: [] });
    const list = (await getJson<{ plugins: Array<Record<string, unknown>> }>(`${api(backend)}/plugins`)).body.plugins;
    expect(list.map((p) => [p.id, p.dependencies, p.dependents])).toEqual([
      ['chart_lib', {}, ['dashboard_x']],
      ['dashboard_x', { chart_lib: '^1.2.0' }, []],
    ]);
  });

  it('plans transitive dependencies, dependencies before their dependents', async () => {
    const c = await publish(store, { name: 'dep_c', version: '1.2.0' });
    const b = await publish(store, { name: 'dep_b', version: '1.0.0', dependencies: { dep_c: '^1.0.0' } });
    const a = await publish(store, { name: 'dep_a', dependencies: { dep_b: '^1.0.0' } });
    const denied = await refused(await install(a), 409, 'DEPENDENCIES_REQUIRED');
    expect((denied.error.details as { install: Array<Record<string, unknown>> }).install).toMatchObject([
      { name: 'dep_c', id: c, version: '1.2.0', required_by: ['dep_b@^1.0.0'] },
      { name: 'dep_b', id: b, version: '1.0.0', required_by: ['dep_a@^1.0.0'] },
    ]);
    const res = await install(a, { accept_dependencies: true });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { dependencies_installed: Array<{ id: string }> }).dependencies_installed.map((p) => p.id)).toEqual([
      'dep_c',
      'dep_b',
    ]);
    expect(await installedNames()).toEqual(['dep_a', 'dep_b', 'dep_c']);
  });

  it("refuses a conflict with an installed plugin's constraint, naming both, and never moves the installed one", async () => {
    await publishChartLib();
    const lib14 = await publish(store, { name: 'chart_lib', version: '1.4.0' });
    expect((await install(lib14)).status).toBe(200);
    const x = await publish(store, { name: 'dashboard_x', dependencies: { chart_lib: '~1.4.0' } });
    expect((await install(x)).status).toBe(200);
    const probe = await publish(store, { name: 'http_probe', dependencies: { chart_lib: '^2.0.0' } });

    const body = await refused(await install(probe, { accept_dependencies: true }), 409, 'DEPENDENCY_CONFLICT');
    expect(body.error.message).toBe('chart_lib: http_probe needs ^2.0.0, installed is 1.4.0 and dashboard_x needs ~1.4.0');
    expect(await installedNames()).toEqual(['chart_lib', 'dashboard_x']);
    expect(await plugin('chart_lib')).toMatchObject({ version: '1.4.0' });

    // Moving chart_lib to a version dashboard_x's range refuses is the same conflict.
    const update = await post(`${api(backend)}/store/chart_lib/update`, { accept_permissions: true });
    const denied = await refused(update, 409, 'DEPENDENCY_CONFLICT');
    expect(denied.error.message).toBe('chart_lib: dashboard_x needs ~1.4.0, and this would install 2.0.0 (installed is 1.4.0)');
    expect(await plugin('chart_lib')).toMatchObject({ version: '1.4.0' });
  });

  it('names a pinned dependency in the conflict and leaves it where it is', async () => {
    const ids = await publishChartLib();
    expect((await install(ids['1.0.0']!)).status).toBe(200);
    await new VersionSettingsStore(backend.dataDir).update('chart_lib', (settings) => ({ ...settings, pinned: true }));
    const needy = await publish(store, { name: 'needy', dependencies: { chart_lib: '^2.0.0' } });
    const body = await refused(await install(needy, { accept_dependencies: true }), 409, 'DEPENDENCY_CONFLICT');
    expect(body.error.message).toMatch(/^chart_lib: needy needs \^2\.0\.0, installed is 1\.0\.0 \(pinned\)/);
    expect(body.error.details).toMatchObject({ name: 'chart_lib', installed_version: '1.0.0', pinned: true });
    expect(await plugin('chart_lib')).toMatchObject({ version: '1.0.0', versions: { pinned: true } });
    expect(await installedNames()).toEqual(['chart_lib']);
  });

  it('refuses a dependency cycle with a clear message, installing nothing', async () => {
    await publish(store, { name: 'cyc_b', dependencies: { cyc_a: '^1.0.0' } });
    const a = await publish(store, { name: 'cyc_a', dependencies: { cyc_b: '^1.0.0' } });
    const body = await refused(await install(a, { accept_dependencies: true }), 409, 'DEPENDENCY_CONFLICT');
    expect(body.error.message).toMatch(/^dependency cycle: cyc_a → cyc_b → cyc_a/);
    expect(await installedNames()).toEqual([]);
  });

  it('plans the new dependencies of an update the same way', async () => {
    await publishChartLib();
    expect((await install(await publish(store, { name: 'grower', version: '1.0.0' }))).status).toBe(200);
    const v2 = await publish(store, { name: 'grower', version: '2.0.0', dependencies: { chart_lib: '<2' } });
    const denied = await refused(await post(`${api(backend)}/store/${v2}/update`), 409, 'DEPENDENCIES_REQUIRED');
    expect(denied.error.details).toMatchObject({ install: [{ name: 'chart_lib', version: '1.5.0' }] });
    expect(await plugin('grower')).toMatchObject({ version: '1.0.0' });
    const res = await post(`${api(backend)}/store/${v2}/update`, { accept_dependencies: true });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      plugin: { version: '2.0.0' },
      dependencies_installed: [{ id: 'chart_lib', version: '1.5.0' }],
    });
  });
});
