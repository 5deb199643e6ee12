import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expectErrorAnswer } from '../../../test-support/errors.js';
import { pluginFiles, removeDir, tempDir, zipFiles } from '../../../test-support/fixtures.js';
import { api, getJson, post, request, uploadZip } from '../../../test-support/http.js';
import { buildTestBackend, type TestBackend } from '../../../test-support/backend-app.js';
import { buildTestStore, type TestStore } from '../../../test-support/store-app.js';

// Grants: install records what a package declares, an update may widen it only with consent, the
// set survives a restart, and env values live in the backend's data folder, never shown back.

let root: string;
let store: TestStore;
let backend: TestBackend;
let pluginsDir: string;
let dataDir: string;

interface Permissions {
  network?: string[];
  listen?: boolean;
  env?: string[];
  read?: string[];
}

/** A plugin whose GET /env answers which env names its process sees. */
function files(name: string, version: string, permissions?: Permissions, ui?: string): Record<string, string> {
  const base = pluginFiles({ name, version }) as Record<string, string>;
  const manifest = { ...JSON.parse(base['manifest.json']!), ...(permissions ? { permissions } : {}) };
  return { ...base, 'manifest.json': JSON.stringify(manifest), ...(ui ? { 'ui.yaml': ui } : {}) };
}

async function publish(name: string, version: string, permissions?: Permissions, ui?: string): Promise<Record<string, any>> {
  const res = await uploadZip(`${api(store)}/plugins/upload/zip`, await zipFiles(files(name, version, permissions, ui)));
  expect(res.status).toBe(201);
  return (await res.json()) as Record<string, any>;
}

const details = async (name: string) => (await getJson<Record<string, any>>(`${api(backend)}/plugins/${name}`)).body;
const put = (url: string, body: unknown) =>
  request(url, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

const NONE = { network: [], listen: false, env: [], read: [] };

beforeEach(async () => {
  root = await tempDir('permissions');
  pluginsDir = path.join(root, 'plugins');
  dataDir = path.join(root, 'data');
  store = await buildTestStore({ storageDir: path.join(root, 'store') });
  backend = await buildTestBackend({ storeUrl: api(store), pluginsDir, dataDir });
});

afterEach(async () => {
  await backend?.close();
  await store?.close();
  await removeDir(root);
});

describe('grants', () => {
  it('install grants what the package declares, and the plugin details show declared and granted', async () => {
    const v1 = await publish('granted', '1.0.0', { network: ['api.github.com:443'], env: ['TOKEN'] });
    const res = await post(`${api(backend)}/store/${v1.plugin_id}/install`);
    expect(res.status).toBe(200);
    const want = { network: ['api.github.com:443'], listen: false, env: ['TOKEN'], read: [] };
    expect(((await res.json()) as Record<string, unknown>).permissions).toEqual(want);
    expect((await details('granted')).permissions).toEqual({ declared: want, granted: want, recorded: true });
    expect(await readdir(path.join(dataDir, 'grants'))).toEqual(['granted.json']);
  });

  it('refuses an update that asks for more with 409 PERMISSIONS_CHANGED naming each addition; accept_permissions grants them', async () => {
    const v1 = await publish('widens', '1.0.0', { network: ['api.github.com:443'] });
    expect((await post(`${api(backend)}/store/${v1.plugin_id}/install`)).status).toBe(200);
    const v2 = await publish('widens', '2.0.0', { network: ['api.github.com:443', '127.0.0.1:*'], read: ['/proc'], listen: true });

    const refused = await post(`${api(backend)}/store/${v2.plugin_id}/update`);
    const body = JSON.parse(await refused.clone().text()) as { error: { details: { added: string[] } } };
    expect(await expectErrorAnswer(refused, 409, 'PERMISSIONS_CHANGED')).toContain('Connect to 127.0.0.1 on any port');
    expect(body.error.details.added).toEqual(['network 127.0.0.1:*', 'listen', 'read /proc']);
    expect((await details('widens')).version).toBe('1.0.0');

    // accept_permissions: false is no consent either.
    await expectErrorAnswer(
      await post(`${api(backend)}/store/${v2.plugin_id}/update`, { accept_permissions: false }),
      409,
      'PERMISSIONS_CHANGED',
    );
    const accepted = await post(`${api(backend)}/store/${v2.plugin_id}/update`, { accept_permissions: true });
    expect(accepted.status).toBe(200);
    const after = await details('widens');
    expect(after.version).toBe('2.0.0');
    expect(after.permissions.granted).toEqual({ network: ['127.0.0.1:*', 'api.github.com:443'], listen: true, env: [], read: ['/proc'] });
  });

  it('an update asking for fewer needs no consent and narrows the grant', async () => {
    const v1 = await publish('narrows', '1.0.0', { network: ['a.example.com:443', 'b.example.com:443'] });
    expect((await post(`${api(backend)}/store/${v1.plugin_id}/install`)).status).toBe(200);
    const v2 = await publish('narrows', '2.0.0', { network: ['a.example.com:443'] });
    expect((await post(`${api(backend)}/store/${v2.plugin_id}/update`)).status).toBe(200);
    expect((await details('narrows')).permissions.granted.network).toEqual(['a.example.com:443']);
    // Widening back to what it once had is a widening again.
    const v3 = await publish('narrows', '3.0.0', { network: ['a.example.com:443', 'b.example.com:443'] });
    await expectErrorAnswer(await post(`${api(backend)}/store/${v3.plugin_id}/update`), 409, 'PERMISSIONS_CHANGED');
  });

  it('keeps the grant over a restart, and a manifest edited by hand to ask for more gets no more than was granted', async () => {
    const v1 = await publish('kept', '1.0.0', { network: ['api.github.com:443'] });
    expect((await post(`${api(backend)}/store/${v1.plugin_id}/install`)).status).toBe(200);
    const manifestFile = path.join(pluginsDir, 'kept', 'manifest.json');
    const manifest = JSON.parse(await readFile(manifestFile, 'utf8')) as Record<string, unknown>;
    await backend.close();
    const { writeFile } = await import('node:fs/promises');
    await writeFile(manifestFile, JSON.stringify({ ...manifest, permissions: { network: ['api.github.com:443', '*'] } }));
    backend = await buildTestBackend({ storeUrl: api(store), pluginsDir, dataDir });
    const view = (await details('kept')).permissions;
    expect(view.recorded).toBe(true);
    expect(view.declared.network).toEqual(['*', 'api.github.com:443']);
    expect(view.granted.network).toEqual(['api.github.com:443']);
    const grant = await backend.app.pluginGrants.grantsFor({ scan: { id: 'kept', manifest: { permissions: view.declared } } } as never);
    expect(grant.permissions.network).toEqual(['api.github.com:443']);
  });

  it('a plugin copied in by hand has no record and gets what it declares', async () => {
    const { mkdir, writeFile } = await import('node:fs/promises');
    const dir = path.join(pluginsDir, 'byhand');
    await mkdir(dir, { recursive: true });
    for (const [name, content] of Object.entries(files('byhand', '1.0.0', { read: ['/proc'] })))
      await writeFile(path.join(dir, name), content);
    expect((await details('byhand')).permissions).toEqual({
      declared: { ...NONE, read: ['/proc'] },
      granted: { ...NONE, read: ['/proc'] },
      recorded: false,
    });
  });

  it('a grant file that cannot be read grants nothing rather than what the manifest declares', async () => {
    const v1 = await publish('spoiled', '1.0.0', { network: ['api.github.com:443'] });
    expect((await post(`${api(backend)}/store/${v1.plugin_id}/install`)).status).toBe(200);
    const { writeFile } = await import('node:fs/promises');
    await writeFile(path.join(dataDir, 'grants', 'spoiled.json'), '{"format": 1, "permissions": "all"');
    const view = (await details('spoiled')).permissions;
    expect(view.granted).toEqual(NONE);
    expect(view.declared.network).toEqual(['api.github.com:443']);
  });

  it('uninstall removes the grant and the env values', async () => {
    const v1 = await publish('leaves', '1.0.0', { env: ['TOKEN'] });
    expect((await post(`${api(backend)}/store/${v1.plugin_id}/install`)).status).toBe(200);
    expect((await put(`${api(backend)}/plugins/leaves/env`, { values: { TOKEN: 's3cret' } })).status).toBe(200);
    expect((await post(`${api(backend)}/store/leaves/uninstall`)).status).toBe(200);
    expect(await readdir(path.join(dataDir, 'grants'))).toEqual([]);
    expect(await readdir(path.join(dataDir, 'plugin-env'))).toEqual([]);
  });
});

describe('env values', () => {
  it('stores values outside the plugin data folder, never echoes them, and hands them to the process grant', async () => {
    const v1 = await publish('envy', '1.0.0', { env: ['API_TOKEN', 'REGION'] });
    expect((await post(`${api(backend)}/store/${v1.plugin_id}/install`)).status).toBe(200);
    expect((await getJson(`${api(backend)}/plugins/envy/env`)).body).toMatchObject({
      variables: [
        { name: 'API_TOKEN', set: false },
        { name: 'REGION', set: false },
      ],
    });
    const res = await put(`${api(backend)}/plugins/envy/env`, { values: { API_TOKEN: 'tok-123-secret' } });
    const text = await res.text();
    expect(res.status).toBe(200);
    expect(text).not.toContain('tok-123-secret');
    expect(JSON.parse(text)).toMatchObject({
      variables: [
        { name: 'API_TOKEN', set: true },
        { name: 'REGION', set: false },
      ],
    });
    expect(JSON.parse(text).message).toMatch(/next load/);
    expect(await (await request(`${api(backend)}/plugins/envy/env`)).text()).not.toContain('tok-123-secret');
    expect(JSON.stringify(await details('envy'))).not.toContain('tok-123-secret');

    const stored = await readFile(path.join(dataDir, 'plugin-env', 'envy.json'), 'utf8');
    expect(stored).toContain('tok-123-secret');
    expect((await stat(path.join(dataDir, 'plugin-env'))).mode & 0o777).toBe(0o700);
    const pluginData = path.join(dataDir, 'plugins', 'envy');
    expect(path.relative(pluginData, path.join(dataDir, 'plugin-env', 'envy.json')).startsWith('..')).toBe(true);

    const record = { scan: { id: 'envy', manifest: { permissions: { env: ['API_TOKEN', 'REGION'] } } } };
    expect((await backend.app.pluginGrants.grantsFor(record as never)).env).toEqual({ API_TOKEN: 'tok-123-secret' });

    // null removes a value.
    const cleared = await put(`${api(backend)}/plugins/envy/env`, { values: { API_TOKEN: null } });
    expect(((await cleared.json()) as { variables: { set: boolean }[] }).variables[0]!.set).toBe(false);
  });

  it('refuses a name the plugin does not declare, a bad body and an unknown plugin', async () => {
    const v1 = await publish('envless', '1.0.0', { env: ['ONLY'] });
    expect((await post(`${api(backend)}/store/${v1.plugin_id}/install`)).status).toBe(200);
    const message = await expectErrorAnswer(
      await put(`${api(backend)}/plugins/envless/env`, { values: { HOME: '/x' } }),
      400,
      'ENV_NOT_DECLARED',
    );
    expect(message).toContain('HOME');
    await expectErrorAnswer(
      await put(`${api(backend)}/plugins/envless/env`, { values: { ONLY: { nested: true } } }),
      400,
      'VALIDATION_FAILED',
    );
    await expectErrorAnswer(await put(`${api(backend)}/plugins/envless/env`, {}), 400, 'VALIDATION_FAILED');
    await expectErrorAnswer(await put(`${api(backend)}/plugins/nothere/env`, { values: {} }), 404, 'PLUGIN_NOT_FOUND');
    await expectErrorAnswer(await put(`${api(backend)}/plugins/BAD..id/env`, { values: {} }), 400, 'INVALID_PLUGIN_ID');
    expect(await readdir(dataDir)).not.toContain('plugin-env');
  });
});

describe('name and prefix clashes at install', () => {
  it('refuses a package whose api_prefix is another installed plugin name, before writing anything', async () => {
    const first = await publish('notes', '1.0.0');
    expect((await post(`${api(backend)}/store/${first.plugin_id}/install`)).status).toBe(200);
    const thief = await publish('thief', '1.0.0', undefined, 'api_prefix: notes\n');
    const message = await expectErrorAnswer(await post(`${api(backend)}/store/${thief.plugin_id}/install`), 409, 'PLUGIN_NAME_TAKEN');
    expect(message).toContain("installed plugin 'notes'");
    expect((await readdir(pluginsDir)).filter((name) => !name.startsWith('.'))).toEqual(['notes']);
    expect(await readdir(path.join(dataDir, 'grants'))).toEqual(['notes.json']);
  });

  it('refuses a package whose name is the api_prefix of an installed plugin', async () => {
    const first = await publish('alpha', '1.0.0', undefined, 'api_prefix: beta\n');
    expect((await post(`${api(backend)}/store/${first.plugin_id}/install`)).status).toBe(200);
    const second = await publish('beta', '1.0.0');
    await expectErrorAnswer(await post(`${api(backend)}/store/${second.plugin_id}/install`), 409, 'PLUGIN_NAME_TAKEN');
    expect((await readdir(pluginsDir)).filter((name) => !name.startsWith('.'))).toEqual(['alpha']);
  });
});
