import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectErrorAnswer } from '../../../test-support/errors.js';
import { eventually } from '../../../test-support/eventually.js';
import { getJson, post } from '../../../test-support/http.js';
import { b, dataDir, publish, runningVersion, startBackend, stopStore, summary, useVersionsSetup, writeData } from './versions-setup.js';

// Installing a chosen version, updates up and down, the versions listing with the store down and
// health-gated updates (versions-setup.ts: a real store and backend in-process per test).
useVersionsSetup();

describe('installing a chosen version and moving between versions', () => {
  it('installs an older version by its id, updates to the newest, keeps both packages and the data folder', async () => {
    const v1 = await publish('vpick', '1.0.0');
    await publish('vpick', '2.0.0');
    const installed = await post(`${b()}/store/${v1}/install`);
    expect(installed.status).toBe(200);
    expect(await installed.json()).toMatchObject({ plugin: { version: '1.0.0' } });
    const data = await writeData('vpick');
    expect(await summary('vpick')).toMatchObject({ version: '1.0.0', versions: { cached_versions: ['1.0.0'] } });

    const res = await post(`${b()}/store/vpick/update`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ previous_version: '1.0.0', plugin: { version: '2.0.0' }, last_update: { result: 'updated' } });
    expect(await summary('vpick')).toMatchObject({
      version: '2.0.0',
      versions: { cached_versions: ['2.0.0', '1.0.0'], last_update: { from: '1.0.0', to: '2.0.0', result: 'updated' } },
    });
    expect(await readFile(data, 'utf8')).toBe('kept by vpick');
    // Private to the backend: plugin processes must not swap a kept package.
    expect((await stat(path.join(dataDir, 'packages', 'vpick'))).mode & 0o777).toBe(0o700);
  });

  it('refuses a downgrade with 409 DOWNGRADE, allows it with allow_downgrade, and the same version is NO_NEWER_VERSION', async () => {
    const v1 = await publish('vdown', '1.0.0');
    const v2 = await publish('vdown', '2.0.0');
    expect((await post(`${b()}/store/${v2}/install`)).status).toBe(200);
    const refused = await expectErrorAnswer(await post(`${b()}/store/${v1}/update`), 409, 'DOWNGRADE');
    expect(refused).toContain('allow_downgrade');
    expect((await summary('vdown')).version).toBe('2.0.0');
    expect(await expectErrorAnswer(await post(`${b()}/store/${v2}/update`), 409, 'NO_NEWER_VERSION')).toContain('already installed');

    const res = await post(`${b()}/store/${v1}/update`, { allow_downgrade: true });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ previous_version: '2.0.0', plugin: { version: '1.0.0' } });
    expect((await summary('vdown')).version).toBe('1.0.0');
  });

  it('refuses a package whose engines.oko this dashboard does not offer (422 INCOMPATIBLE), on install and update', async () => {
    await publish('vengine', '1.0.0');
    const future = await publish('vengine', '2.0.0', '', { engines: { oko: '>=2.0.0' } });
    await expectErrorAnswer(await post(`${b()}/store/${future}/install`), 422, 'INCOMPATIBLE');
    expect((await post(`${b()}/store/vengine/install`)).status).toBe(422);
    const v1 = await publish('vengine2', '1.0.0');
    const v2 = await publish('vengine2', '2.0.0', '', { engines: { oko: '^9.0.0' } });
    expect((await post(`${b()}/store/${v1}/install`)).status).toBe(200);
    await expectErrorAnswer(await post(`${b()}/store/${v2}/update`), 422, 'INCOMPATIBLE');
    expect((await summary('vengine2')).version).toBe('1.0.0');
  });

  it('lists the kept versions with the store down (available false, the reason), installed and cached marked', async () => {
    const v1 = await publish('vlist', '1.0.0');
    const v2 = await publish('vlist', '1.1.0');
    await publish('vlist', '1.2.0');
    expect((await post(`${b()}/store/${v1}/install`)).status).toBe(200);
    expect((await post(`${b()}/store/${v2}/update`)).status).toBe(200);
    await stopStore();
    const down = (
      await getJson<{ available: boolean; reason: string; installed_version: string; versions: Array<Record<string, unknown>> }>(
        `${b()}/store/vlist/versions`,
      )
    ).body;
    expect(down).toMatchObject({ name: 'vlist', available: false, installed_version: '1.1.0' });
    expect(down.reason).toContain('unavailable');
    expect(down.versions.map((v) => [v.id, v.version, v.installed, v.cached, v.changelog])).toEqual([
      [v2, '1.1.0', true, true, null],
      [v1, '1.0.0', false, true, null],
    ]);
  });
});

describe('health-gated updates', () => {
  it('watches an active plugin for the window, then records the update as updated', async () => {
    await publish('vwatch', '1.0.0');
    expect((await post(`${b()}/store/vwatch/install`)).status).toBe(200);
    expect((await post(`${b()}/plugins/vwatch/load`)).status).toBe(200);
    await publish('vwatch', '1.1.0');
    const res = await post(`${b()}/store/vwatch/update`);
    expect(await res.json()).toMatchObject({ last_update: { from: '1.0.0', to: '1.1.0', result: 'watching' } });
    await eventually(async () => expect((await summary('vwatch')).versions.last_update).toMatchObject({ result: 'updated' }));
    expect(await summary('vwatch')).toMatchObject({ state: 'active', version: '1.1.0' });
  });

  it('with OKO_UPDATE_HEALTH_WINDOW_S=0 an active plugin is not watched: updated at once', async () => {
    await startBackend(0);
    await publish('vnowatch', '1.0.0');
    expect((await post(`${b()}/store/vnowatch/install`)).status).toBe(200);
    expect((await post(`${b()}/plugins/vnowatch/load`)).status).toBe(200);
    await publish('vnowatch', '1.1.0');
    expect(await (await post(`${b()}/store/vnowatch/update`)).json()).toMatchObject({ last_update: { result: 'updated' } });
    expect(await summary('vnowatch')).toMatchObject({ state: 'active', version: '1.1.0' });
  });

  it('rolls back a new version that fails to load: the old one is active, last_update says why', async () => {
    await publish('vbroken', '1.0.0');
    expect((await post(`${b()}/store/vbroken/install`)).status).toBe(200);
    expect((await post(`${b()}/plugins/vbroken/load`)).status).toBe(200);
    await publish('vbroken', '2.0.0', "throw new Error('broken 2.0.0');");
    expect((await post(`${b()}/store/vbroken/update`)).status).toBe(200);
    const after = await summary('vbroken');
    expect(after).toMatchObject({
      state: 'active',
      version: '1.0.0',
      versions: { last_update: { from: '1.0.0', to: '2.0.0', result: 'rolled_back' } },
    });
    expect(after.versions.last_update!.reason).toContain('broken 2.0.0');
    expect(await runningVersion('vbroken')).toBe('1.0.0');
  });

  it('rolls back a new version whose process dies inside the window', async () => {
    await startBackend(60);
    await publish('vcrash', '1.0.0');
    expect((await post(`${b()}/store/vcrash/install`)).status).toBe(200);
    expect((await post(`${b()}/plugins/vcrash/load`)).status).toBe(200);
    await publish('vcrash', '1.1.0', 'setTimeout(() => process.exit(1), 300);');
    const res = await post(`${b()}/store/vcrash/update`);
    expect(await res.json()).toMatchObject({ plugin: { version: '1.1.0', state: 'active' }, last_update: { result: 'watching' } });
    await eventually(async () =>
      expect(await summary('vcrash')).toMatchObject({
        state: 'active',
        version: '1.0.0',
        versions: { last_update: { result: 'rolled_back' } },
      }),
    );
    expect((await summary('vcrash')).versions.last_update!.reason).toContain('died within the health window');
    expect(await runningVersion('vcrash')).toBe('1.0.0');
  });

  it('finishes a window the backend did not live to end: the update that still runs counts as updated', async () => {
    await startBackend(60);
    await publish('vrestart', '1.0.0');
    expect((await post(`${b()}/store/vrestart/install`)).status).toBe(200);
    expect((await post(`${b()}/plugins/vrestart/load`)).status).toBe(200);
    await publish('vrestart', '1.1.0');
    expect(await (await post(`${b()}/store/vrestart/update`)).json()).toMatchObject({ last_update: { result: 'watching' } });
    expect((await summary('vrestart')).versions.last_update).toMatchObject({ result: 'watching' });
    await startBackend(60);
    expect((await summary('vrestart')).versions.last_update).toMatchObject({ from: '1.0.0', to: '1.1.0', result: 'updated' });
  });
});
