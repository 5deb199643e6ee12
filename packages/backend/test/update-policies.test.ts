import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { AvailableUpdates, PluginVersionSettingsAnswer, UpdateCheckAnswer } from '@oko/shared';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildTestBackend, type TestBackend } from '../../../test-support/backend-app.js';
import { expectErrorAnswer } from '../../../test-support/errors.js';
import { eventually } from '../../../test-support/eventually.js';
import { pluginFiles, removeDir, tempDir, zipFiles } from '../../../test-support/fixtures.js';
import { api, getJson, post, request, uploadZip } from '../../../test-support/http.js';
import { buildTestStore, type TestStore } from '../../../test-support/store-app.js';

// Pins, update policies, the policy check and the update count (README "Pins and update policies")
// against a real store and backend built in-process. The schedule is off unless a test turns it on;
// POST /store/updates/check runs the same round on demand.

let root: string;
let store: TestStore;
let backend: TestBackend;

async function start(env: Record<string, string> = {}): Promise<void> {
  backend = await buildTestBackend({
    storeUrl: api(store),
    pluginsDir: path.join(root, 'plugins'),
    dataDir: path.join(root, 'data'),
    env: { OKO_UPDATE_CHECK_INTERVAL_S: '0', ...env },
  });
}

beforeEach(async () => {
  root = await tempDir('update-policies');
  store = await buildTestStore({ storageDir: path.join(root, 'store') });
});

afterEach(async () => {
  await backend?.close();
  await store?.close();
  await removeDir(root);
});

async function publish(name: string, version: string, network: string[] = [], dependencies?: Record<string, string>): Promise<string> {
  const base = pluginFiles({ name, version }) as Record<string, string>;
  const manifest = { ...JSON.parse(base['manifest.json']!), permissions: { network }, ...(dependencies ? { dependencies } : {}) };
  const res = await uploadZip(`${api(store)}/plugins/upload/zip`, await zipFiles({ ...base, 'manifest.json': JSON.stringify(manifest) }));
  expect(res.status).toBe(201);
  return ((await res.json()) as { plugin_id: string }).plugin_id;
}

async function install(name: string, version: string, network: string[] = []): Promise<void> {
  const id = await publish(name, version, network);
  expect((await post(`${api(backend)}/store/${id}/install`)).status).toBe(200);
}

const put = (url: string, body: unknown) =>
  request(url, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

async function setPolicy(name: string, policy: string): Promise<PluginVersionSettingsAnswer> {
  const res = await put(`${api(backend)}/plugins/${name}/update-policy`, { update_policy: policy });
  expect(res.status).toBe(200);
  return (await res.json()) as PluginVersionSettingsAnswer;
}

async function runCheck(): Promise<UpdateCheckAnswer> {
  const res = await post(`${api(backend)}/store/updates/check`);
  expect(res.status).toBe(200);
  return (await res.json()) as UpdateCheckAnswer;
}

const details = async (name: string) => (await getJson<Record<string, any>>(`${api(backend)}/plugins/${name}`)).body;
const outcomes = (answer: UpdateCheckAnswer) => Object.fromEntries(answer.results.map((r) => [r.name, [r.outcome, r.version]]));

describe('pin, unpin and update-policy', () => {
  beforeEach(() => start());

  it('store the settings and show them in the plugin summary; a reinstall-free restart keeps them', async () => {
    await install('pinme', '1.0.0');
    const pinned = await post(`${api(backend)}/plugins/pinme/pin`);
    expect(pinned.status).toBe(200);
    expect(await pinned.json()).toMatchObject({
      plugin_id: 'pinme',
      versions: { pinned: true, update_policy: 'manual', cached_versions: ['1.0.0'] },
    });
    expect((await setPolicy('pinme', 'minor')).versions).toMatchObject({ pinned: true, update_policy: 'minor' });
    expect((await details('pinme')).versions).toMatchObject({ pinned: true, update_policy: 'minor' });
    const unpinned = (await (await post(`${api(backend)}/plugins/pinme/unpin`)).json()) as PluginVersionSettingsAnswer;
    expect(unpinned.versions).toMatchObject({ pinned: false, update_policy: 'minor' });

    await backend.close();
    await start();
    expect((await details('pinme')).versions).toMatchObject({ pinned: false, update_policy: 'minor' });
  });

  it('refuses an unknown policy (400), a plugin that is not installed (404) and a bad id (400)', async () => {
    await install('policed', '1.0.0');
    await expectErrorAnswer(
      await put(`${api(backend)}/plugins/policed/update-policy`, { update_policy: 'nightly' }),
      400,
      'VALIDATION_FAILED',
    );
    await expectErrorAnswer(await put(`${api(backend)}/plugins/policed/update-policy`, {}), 400, 'VALIDATION_FAILED');
    await expectErrorAnswer(await post(`${api(backend)}/plugins/nobody_here/pin`), 404, 'NOT_INSTALLED');
    await expectErrorAnswer(
      await put(`${api(backend)}/plugins/nobody_here/update-policy`, { update_policy: 'patch' }),
      404,
      'NOT_INSTALLED',
    );
    await expectErrorAnswer(await post(`${api(backend)}/plugins/Bad..Id/unpin`), 400, 'INVALID_PLUGIN_ID');
    expect((await details('policed')).versions).toMatchObject({ pinned: false, update_policy: 'manual' });
  });
});

describe('a builtin plugin', () => {
  it('cannot be pinned or given a policy: 409 ILLEGAL_TRANSITION', async () => {
    const builtinDir = path.join(root, 'builtin');
    await mkdir(path.join(builtinDir, 'shipped'), { recursive: true });
    for (const [name, content] of Object.entries(pluginFiles({ name: 'shipped' })))
      await writeFile(path.join(builtinDir, 'shipped', name), content);
    await start({ OKO_BUILTIN_PLUGINS_DIR: builtinDir });
    await expectErrorAnswer(await post(`${api(backend)}/plugins/shipped/pin`), 409, 'ILLEGAL_TRANSITION');
    await expectErrorAnswer(
      await put(`${api(backend)}/plugins/shipped/update-policy`, { update_policy: 'major' }),
      409,
      'ILLEGAL_TRANSITION',
    );
    // Builtin plugins are not looked at by the check nor counted as updates.
    expect((await runCheck()).results).toEqual([]);
  });
});

describe('the update policy check', () => {
  beforeEach(() => start());

  it('leaves a pinned plugin and a manual one alone while an unpinned one with policy minor moves', async () => {
    await install('held', '1.0.0');
    await install('moves', '1.0.0');
    await install('manual_one', '1.0.0');
    for (const name of ['held', 'moves', 'manual_one']) await publish(name, '1.1.0');
    await setPolicy('held', 'minor');
    await setPolicy('moves', 'minor');
    expect((await post(`${api(backend)}/plugins/held/pin`)).status).toBe(200);

    const answer = await runCheck();
    expect(answer.available).toBe(true);
    expect(outcomes(answer)).toEqual({
      held: ['pinned', undefined],
      moves: ['updated', '1.1.0'],
      manual_one: ['manual', undefined],
    });
    expect((await details('held')).version).toBe('1.0.0');
    expect((await details('moves')).version).toBe('1.1.0');
    expect((await details('manual_one')).version).toBe('1.0.0');
    // Nothing newer is left: the next round finds it up to date.
    expect(outcomes(await runCheck()).moves).toEqual(['up_to_date', undefined]);
  });

  it('patch never crosses a minor, minor never crosses a major, major takes the newest; no prerelease over a release', async () => {
    await install('by_patch', '1.0.0');
    await install('by_minor', '1.0.0');
    await install('by_major', '1.0.0');
    for (const name of ['by_patch', 'by_minor', 'by_major']) {
      for (const version of ['1.0.1', '1.2.0', '2.0.0', '3.0.0-beta.1']) await publish(name, version);
    }
    await setPolicy('by_patch', 'patch');
    await setPolicy('by_minor', 'minor');
    await setPolicy('by_major', 'major');

    expect(outcomes(await runCheck())).toEqual({
      by_patch: ['updated', '1.0.1'],
      by_minor: ['updated', '1.2.0'],
      by_major: ['updated', '2.0.0'],
    });
    expect((await details('by_patch')).version).toBe('1.0.1');
    expect((await details('by_minor')).version).toBe('1.2.0');
    expect((await details('by_major')).version).toBe('2.0.0');
  });

  it('a version that adds permissions becomes pending_update; a newer one replaces it; accept_permissions applies it', async () => {
    await install('widens', '1.0.0');
    const v11 = await publish('widens', '1.1.0', ['api.example.com:443']);
    await setPolicy('widens', 'minor');

    const first = await runCheck();
    expect(first.results).toEqual([
      expect.objectContaining({
        name: 'widens',
        outcome: 'pending',
        version: '1.1.0',
        id: v11,
        added_permissions: ['network api.example.com:443'],
      }),
    ]);
    expect((await details('widens')).version).toBe('1.0.0');
    expect((await details('widens')).versions.pending_update).toEqual({
      version: '1.1.0',
      id: v11,
      added_permissions: ['network api.example.com:443'],
    });

    const v12 = await publish('widens', '1.2.0', ['api.example.com:443', 'cdn.example.com:443']);
    expect(outcomes(await runCheck()).widens).toEqual(['pending', '1.2.0']);
    expect((await details('widens')).versions.pending_update).toEqual({
      version: '1.2.0',
      id: v12,
      added_permissions: ['network api.example.com:443', 'network cdn.example.com:443'],
    });

    // The admin approves: an explicit update with accept_permissions.
    expect((await post(`${api(backend)}/store/${v12}/update`, { accept_permissions: true })).status).toBe(200);
    expect((await details('widens')).version).toBe('1.2.0');
    expect(outcomes(await runCheck()).widens).toEqual(['up_to_date', undefined]);
    expect((await details('widens')).versions.pending_update).toBeUndefined();
  });

  // The dependency planner reads the store's version history (GET /plugins/{name}/versions), which
  // this branch's store does not serve yet; unskip once the store's version history is merged.
  // update-check.test.ts holds the round to the same rule with the update path faked.
  it('skips a version that needs a dependency nobody consented to, and goes on with the others', async () => {
    await install('wants_lib', '1.0.0');
    await install('plain', '1.0.0');
    await publish('helper_lib', '1.0.0');
    await publish('wants_lib', '1.1.0', [], { helper_lib: '^1.0.0' });
    await publish('plain', '1.0.1');
    await setPolicy('wants_lib', 'minor');
    await setPolicy('plain', 'patch');
    const answer = await runCheck();
    expect([...answer.results].sort((a, b) => b.name.localeCompare(a.name))).toEqual([
      expect.objectContaining({ name: 'wants_lib', outcome: 'skipped', version: '1.1.0', code: 'DEPENDENCIES_REQUIRED' }),
      expect.objectContaining({ name: 'plain', outcome: 'updated', version: '1.0.1' }),
    ]);
    expect((await details('wants_lib')).version).toBe('1.0.0');
    expect((await details('wants_lib')).versions.pending_update).toBeUndefined();
  });

  it('runs on its own every OKO_UPDATE_CHECK_INTERVAL_S', async () => {
    await backend.close();
    await start({ OKO_UPDATE_CHECK_INTERVAL_S: '1' });
    await install('scheduled', '1.0.0');
    await setPolicy('scheduled', 'patch');
    await publish('scheduled', '1.0.1');
    await eventually(
      () => details('scheduled'),
      (plugin) => plugin.version === '1.0.1',
    );
  });

  it('with the store down the round ends and says so; the plugins stay', async () => {
    await install('offline', '1.0.0');
    await setPolicy('offline', 'major');
    await store.close();
    const answer = await runCheck();
    expect(answer).toMatchObject({ available: false, results: [] });
    expect(answer.reason).toMatch(/store/i);
    expect((await details('offline')).version).toBe('1.0.0');
  });
});

describe('GET /store/updates', () => {
  beforeEach(() => start());

  it('lists installed plugins the store has a newer version of, with pin, policy and the permissions it adds', async () => {
    await install('behind', '1.0.0', ['a.example.com:443']);
    await install('current', '1.0.0');
    await install('beta_only', '1.0.0');
    await install('pinned_behind', '2.0.0');
    await publish('behind', '1.5.0', ['a.example.com:443', 'b.example.com:443']);
    const newest = await publish('behind', '2.0.0', ['a.example.com:443', 'b.example.com:443']);
    await publish('beta_only', '1.1.0-beta.1');
    const pinnedNewer = await publish('pinned_behind', '2.0.1');
    expect((await post(`${api(backend)}/plugins/pinned_behind/pin`)).status).toBe(200);
    await setPolicy('pinned_behind', 'patch');

    const { status, body } = await getJson<AvailableUpdates>(`${api(backend)}/store/updates`);
    expect(status).toBe(200);
    expect(body.available).toBe(true);
    expect([...body.updates].sort((a, b) => a.name.localeCompare(b.name))).toEqual([
      {
        name: 'behind',
        installed_version: '1.0.0',
        version: '2.0.0',
        id: newest,
        pinned: false,
        update_policy: 'manual',
        added_permissions: ['network b.example.com:443'],
      },
      {
        name: 'pinned_behind',
        installed_version: '2.0.0',
        version: '2.0.1',
        id: pinnedNewer,
        pinned: true,
        update_policy: 'patch',
        added_permissions: [],
      },
    ]);
  });

  it('answers available: false with the reason when the store is down', async () => {
    await install('lonely', '1.0.0');
    await store.close();
    const { status, body } = await getJson<AvailableUpdates>(`${api(backend)}/store/updates`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ available: false, updates: [] });
    expect(body.reason).toBeTruthy();
  });
});
