import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RuntimeConfig } from '@oko/shared';
import { buildTestBackend, type TestBackend } from '../../../test-support/backend-app.js';
import { expectErrorAnswer } from '../../../test-support/errors.js';
import { pluginFiles, removeDir, tempDir } from '../../../test-support/fixtures.js';
import { api, request } from '../../../test-support/http.js';

// GET /system/config and the server-side settings (the custom-bundle kill switch): who may read
// and change them, that they survive a restart, and that no secret is ever in the answer.
const PASSWORD = 'admin-password-123';
const SECRETS = {
  OKO_STORE_TOKEN: 'dash-token-secret-4711',
  OKO_STORE_API_KEY: 'store-admin-key-secret-4712',
  OKO_ADMIN_PASSWORD: PASSWORD,
};
let root: string;
let backend: TestBackend;
let admin: Record<string, string>;
let viewer: Record<string, string>;

const CUSTOM_PAGE = `plugin_id: custom_page
manifest_version: '1.0'
page: { enabled: true, layout: content-only, components: [{ id: intro, type: text, text: Hi }] }
frontend:
  renderer: custom
  customBundle: { enabled: true, entry: static/bundle.js, integrity: 'sha384-abc' }
`;

async function start(): Promise<TestBackend> {
  // No store listens at port 9: the config still answers, with the store unavailable.
  return buildTestBackend({
    storeUrl: 'http://127.0.0.1:9/api/v1',
    pluginsDir: path.join(root, 'plugins'),
    dataDir: path.join(root, 'data'),
    env: { ...SECRETS, OKO_PLUGIN_MEMORY_MB: '96' },
  });
}

async function signIn(): Promise<void> {
  admin = { authorization: `Bearer ${(await backend.app.auth.createToken('admin', 'admin token')).token}` };
  // Accounts survive a restart (auth.json): vera is added once.
  if (!backend.app.auth.users().some((user) => user.username === 'vera'))
    await backend.app.auth.addUser('vera', 'viewer-password-123', 'viewer');
  viewer = { authorization: `Bearer ${(await backend.app.auth.createToken('vera', 'vera token')).token}` };
}

function put(body: unknown, headers: Record<string, string>) {
  return request(`${api(backend)}/system/settings`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

beforeAll(async () => {
  root = await tempDir('system-settings');
  const dir = path.join(root, 'plugins', 'custom_page');
  await mkdir(dir, { recursive: true });
  for (const [file, content] of Object.entries(pluginFiles({ name: 'custom_page' }))) await writeFile(path.join(dir, file), content);
  await writeFile(path.join(dir, 'page_manifest.yaml'), CUSTOM_PAGE);
  await writeFile(path.join(dir, 'ui.yaml'), 'has_page: true\n');
  backend = await start();
  await signIn();
});
afterAll(async () => {
  await backend?.close();
  if (root) await removeDir(root);
});

describe('GET /system/config', () => {
  it('answers an admin the limits, folders, policies, settings and the store measured now, and no secret', async () => {
    const res = await request(`${api(backend)}/system/config`, { headers: admin });
    const text = await res.text();
    expect(res.status).toBe(200);
    for (const secret of Object.values(SECRETS)) expect(text).not.toContain(secret);
    const config = JSON.parse(text) as RuntimeConfig;
    expect(config.store).toMatchObject({
      url: 'http://127.0.0.1:9/api/v1',
      available: false,
      token_configured: true,
      api_key_configured: true,
    });
    // Why it did not answer (undici's "bad port" for port 9), without the URL the report names beside it.
    expect(config.store.reason).toMatch(/^Bad port$/i);
    expect(config.limits).toMatchObject({ OKO_PLUGIN_MEMORY_MB: 96, OKO_PLUGIN_CALL_TIMEOUT_MS: 30_000, OKO_STORE_MAX_PACKAGE_MB: 100 });
    expect(config.folders.data_dir).toBe(path.join(root, 'data'));
    expect(config.policies).toMatchObject({ signature_policy: 'warn', sign_in: true, dev_plugins: false });
    expect(config.settings).toEqual({ custom_bundles_enabled: true });
  });

  it('refuses a viewer and an anonymous caller', async () => {
    await expectErrorAnswer(await request(`${api(backend)}/system/config`, { headers: viewer }), 403, 'FORBIDDEN');
    await expectErrorAnswer(await request(`${api(backend)}/system/config`), 401, 'UNAUTHORIZED');
  });
});

describe('the server-side settings', () => {
  it('lets a viewer read them and only an admin change them', async () => {
    const read = await request(`${api(backend)}/system/settings`, { headers: viewer });
    expect(await read.json()).toEqual({ custom_bundles_enabled: true });
    await expectErrorAnswer(await put({ custom_bundles_enabled: false }, viewer), 403, 'FORBIDDEN');
  });

  it('refuses unknown settings and values of the wrong type, changing nothing', async () => {
    const unknown = await expectErrorAnswer(await put({ custom_bundles_enabled: false, dark_mode: true }, admin), 400, 'VALIDATION_FAILED');
    expect(unknown).toContain('dark_mode');
    await expectErrorAnswer(await put({ custom_bundles_enabled: 'no' }, admin), 400, 'VALIDATION_FAILED');
    await expectErrorAnswer(await put([], admin), 400, 'VALIDATION_FAILED');
    expect(await (await request(`${api(backend)}/system/settings`, { headers: admin })).json()).toEqual({ custom_bundles_enabled: true });
  });

  it('turns custom bundles off for every browser, server-side, and keeps it across a restart', async () => {
    const manifestOf = async () =>
      (await (await request(`${api(backend)}/plugins/custom_page/manifest`, { headers: viewer })).json()) as {
        manifest: { frontend: { renderer: string; customBundle?: { enabled: boolean } } };
        negotiation: { accepted: boolean; reason: string };
      };
    expect((await manifestOf()).manifest.frontend.renderer).toBe('custom');

    const off = await put({ custom_bundles_enabled: false }, admin);
    expect(await off.json()).toEqual({ custom_bundles_enabled: false });
    expect(JSON.parse(await readFile(path.join(root, 'data', 'settings.json'), 'utf8'))).toEqual({ custom_bundles_enabled: false });
    const fallback = await manifestOf();
    expect(fallback.manifest.frontend).toMatchObject({ renderer: 'universal', customBundle: { enabled: false } });
    expect(fallback.negotiation).toMatchObject({ accepted: true });
    expect(fallback.negotiation.reason).toContain('custom bundles are turned off');

    await backend.close();
    backend = await start();
    await signIn();
    expect(await (await request(`${api(backend)}/system/settings`, { headers: viewer })).json()).toEqual({ custom_bundles_enabled: false });
    expect((await manifestOf()).manifest.frontend.renderer).toBe('universal');
    expect(await (await put({ custom_bundles_enabled: true }, admin)).json()).toEqual({ custom_bundles_enabled: true });
    expect((await manifestOf()).manifest.frontend.renderer).toBe('custom');
  });
});
