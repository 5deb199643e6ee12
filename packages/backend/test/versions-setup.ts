import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, expect } from 'vitest';
import { pluginFiles, removeDir, tempDir, zipFiles } from '../../../test-support/fixtures.js';
import { api, getJson, uploadZip } from '../../../test-support/http.js';
import { buildTestBackend, type TestBackend } from '../../../test-support/backend-app.js';
import { buildTestStore, type TestStore } from '../../../test-support/store-app.js';

// Shared by the versions tests (versions-updates, versions-rollback): a real store and backend
// built in-process per test. Closing the in-process store leaves nothing listening: the backend's
// store client then gets STORE_UNAVAILABLE, as with a stopped store process.

let root: string;
let store: TestStore | undefined;
let backend: TestBackend | undefined;
export let dataDir: string;

export interface LastUpdate {
  from: string;
  to: string;
  result: string;
  reason?: string;
}
export interface Summary {
  state: string;
  version: string;
  versions: { cached_versions: string[]; last_update?: LastUpdate; pinned: boolean };
}

/** A plugin whose GET /version answers its version; `setupExtra` runs in setup. */
export function versionedFiles(name: string, version: string, setupExtra = '', manifestExtra: object = {}): Record<string, string> {
  const index = `export async function setup(ctx) {\n  ${setupExtra}\n  ctx.routes.get('/version', async () => ({ version: ${JSON.stringify(version)} }));\n}\nexport async function teardown() {}\n`;
  const files = pluginFiles({ name, version }) as Record<string, string>;
  const manifest = { ...(JSON.parse(files['manifest.json']!) as object), ...manifestExtra };
  return { ...files, 'manifest.json': JSON.stringify(manifest), 'index.js': index };
}

export async function publish(name: string, version: string, setupExtra = '', manifestExtra: object = {}): Promise<string> {
  const files = versionedFiles(name, version, setupExtra, manifestExtra);
  const res = await uploadZip(`${api(store!)}/plugins/upload/zip`, await zipFiles(files));
  expect(res.status).toBeLessThan(300);
  return ((await res.json()) as { plugin_id: string }).plugin_id;
}

export async function startBackend(windowS: number): Promise<TestBackend> {
  await backend?.close();
  backend = await buildTestBackend({
    storeUrl: api(store!),
    pluginsDir: path.join(root, 'plugins'),
    dataDir,
    env: { OKO_UPDATE_HEALTH_WINDOW_S: String(windowS), OKO_PLUGIN_QUARANTINE_CRASHES: '1' },
  });
  return backend;
}

export const b = () => api(backend!);
export const summary = async (name: string) => (await getJson<Summary>(`${b()}/plugins/${name}`)).body;
export const runningVersion = async (name: string) => (await getJson<{ version: string }>(`${b()}/plugins/${name}/version`)).body.version;

export async function stopStore(): Promise<void> {
  await store!.close();
  store = undefined;
}

/** Something the plugin keeps in its data folder, which no version change may touch. */
export async function writeData(name: string): Promise<string> {
  const file = path.join(dataDir, 'plugins', name, 'notes.txt');
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `kept by ${name}`);
  return file;
}

/** Call at the top of a test file: a fresh store, backend (health window 1 s) and folders per test. */
export function useVersionsSetup(): void {
  beforeEach(async () => {
    root = await tempDir('versions-updates');
    dataDir = path.join(root, 'data');
    store = await buildTestStore({ storageDir: path.join(root, 'store') });
    await startBackend(1);
  });

  afterEach(async () => {
    await backend?.close();
    backend = undefined;
    await store?.close();
    store = undefined;
    await removeDir(root);
  });
}

export const backendApp = () => backend!.app;
