import { appendFile, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectErrorAnswer } from '../../../test-support/errors.js';
import { post } from '../../../test-support/http.js';
import { b, backendApp, dataDir, publish, runningVersion, stopStore, summary, useVersionsSetup, writeData } from './versions-setup.js';

// Rollback from the package cache (with the store stopped too), offline reinstall, what the cache
// keeps and drops, the pin, and the data folder (versions-setup.ts).
useVersionsSetup();

describe('rollback and the package cache', () => {
  it('rolls back with the store stopped, again further back, then answers NO_ROLLBACK; an active plugin runs each version', async () => {
    const v1 = await publish('vback', '1.0.0');
    const ids = [await publish('vback', '1.1.0'), await publish('vback', '1.2.0')];
    expect((await post(`${b()}/store/${v1}/install`)).status).toBe(200);
    expect((await post(`${b()}/plugins/vback/load`)).status).toBe(200);
    const data = await writeData('vback');
    for (const id of ids) expect((await post(`${b()}/store/${id}/update`)).status).toBe(200);
    expect(await runningVersion('vback')).toBe('1.2.0');
    await stopStore();

    const first = await post(`${b()}/plugins/vback/rollback`);
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({
      status: 'rolled_back',
      from: '1.2.0',
      to: '1.1.0',
      plugin: { version: '1.1.0', state: 'active' },
    });
    expect(await runningVersion('vback')).toBe('1.1.0');
    const second = await post(`${b()}/plugins/vback/rollback`);
    expect(await second.json()).toMatchObject({ from: '1.1.0', to: '1.0.0', plugin: { state: 'active' } });
    expect(await runningVersion('vback')).toBe('1.0.0');
    await expectErrorAnswer(await post(`${b()}/plugins/vback/rollback`), 409, 'NO_ROLLBACK');
    expect(await summary('vback')).toMatchObject({
      version: '1.0.0',
      state: 'active',
      versions: { cached_versions: ['1.2.0', '1.1.0', '1.0.0'] },
    });
    expect(await readFile(data, 'utf8')).toBe('kept by vback');
  });

  it('refuses a rollback to a version declaring more than granted (PERMISSIONS_CHANGED) unless accept_permissions', async () => {
    const v1 = await publish('vperm', '1.0.0', '', { permissions: { network: ['api.example.com:443'] } });
    await publish('vperm', '1.1.0');
    expect((await post(`${b()}/store/${v1}/install`)).status).toBe(200);
    // 1.1.0 declares nothing: the update narrows the grant.
    expect((await post(`${b()}/store/vperm/update`)).status).toBe(200);
    await expectErrorAnswer(await post(`${b()}/plugins/vperm/rollback`), 409, 'PERMISSIONS_CHANGED');
    expect((await summary('vperm')).version).toBe('1.1.0');
    const res = await post(`${b()}/plugins/vperm/rollback`, { accept_permissions: true });
    expect(res.status).toBe(200);
    expect((await summary('vperm')).version).toBe('1.0.0');
  });

  it('keeps the pin through an explicit update and rollback, and clears a pending update the update reaches', async () => {
    await publish('vpin', '1.0.0');
    expect((await post(`${b()}/store/vpin/install`)).status).toBe(200);
    const v2 = await publish('vpin', '1.1.0');
    await backendApp().pluginVersions.settings.update('vpin', (current) => ({
      ...current,
      pinned: true,
      pending_update: { version: '1.1.0', id: v2, added_permissions: [] },
    }));
    expect((await post(`${b()}/store/vpin/update`)).status).toBe(200);
    const updated = (await summary('vpin')).versions;
    expect(updated).toMatchObject({ pinned: true });
    expect(updated).not.toHaveProperty('pending_update');
    expect((await post(`${b()}/plugins/vpin/rollback`)).status).toBe(200);
    expect(await summary('vpin')).toMatchObject({ version: '1.0.0', versions: { pinned: true } });
  });

  it('answers 404 NOT_INSTALLED and 409 NO_ROLLBACK with nothing earlier kept', async () => {
    await expectErrorAnswer(await post(`${b()}/plugins/vnone/rollback`), 404, 'NOT_INSTALLED');
    await publish('vone', '1.0.0');
    expect((await post(`${b()}/store/vone/install`)).status).toBe(200);
    await expectErrorAnswer(await post(`${b()}/plugins/vone/rollback`), 409, 'NO_ROLLBACK');
  });

  it('reinstalls a cached version with the store stopped after uninstall (by name: the newest kept; by id), data folder kept', async () => {
    const v1 = await publish('voff', '1.0.0');
    const v2 = await publish('voff', '1.1.0');
    expect((await post(`${b()}/store/${v1}/install`)).status).toBe(200);
    expect((await post(`${b()}/store/${v2}/update`)).status).toBe(200);
    const data = await writeData('voff');
    expect((await post(`${b()}/store/voff/uninstall`)).status).toBe(200);
    await stopStore();

    const byName = await post(`${b()}/store/voff/install`);
    expect(byName.status).toBe(200);
    expect(await byName.json()).toMatchObject({ plugin: { version: '1.1.0' }, message: expect.stringContaining('package cache') });
    expect((await post(`${b()}/store/voff/uninstall`)).status).toBe(200);
    const byId = await post(`${b()}/store/${v1}/install`);
    expect(await byId.json()).toMatchObject({ plugin: { version: '1.0.0' } });
    expect(await readFile(data, 'utf8')).toBe('kept by voff');
    // Not kept: the store's answer stands.
    await expectErrorAnswer(await post(`${b()}/store/never_seen/install`), 503, 'STORE_UNAVAILABLE');
  });

  it('keeps the installed version and the two installed before it', async () => {
    await publish('vthree', '1.0.0');
    expect((await post(`${b()}/store/vthree/install`)).status).toBe(200);
    for (const version of ['1.1.0', '1.2.0', '1.3.0']) {
      await publish('vthree', version);
      expect((await post(`${b()}/store/vthree/update`)).status).toBe(200);
    }
    expect((await summary('vthree')).versions.cached_versions).toEqual(['1.3.0', '1.2.0', '1.1.0']);
    const files = (await readdir(path.join(dataDir, 'packages', 'vthree'))).filter((file) => file.endsWith('.zip'));
    expect(files).toHaveLength(3);
  });

  it('drops a cached package whose SHA-256 no longer matches and never installs it', async () => {
    const v1 = await publish('vtamper', '1.0.0');
    await publish('vtamper', '1.1.0');
    expect((await post(`${b()}/store/${v1}/install`)).status).toBe(200);
    expect((await post(`${b()}/store/vtamper/update`)).status).toBe(200);
    await appendFile(path.join(dataDir, 'packages', 'vtamper', `${v1}.zip`), 'x');
    await stopStore();
    await expectErrorAnswer(await post(`${b()}/plugins/vtamper/rollback`), 409, 'NO_ROLLBACK');
    expect(await summary('vtamper')).toMatchObject({ version: '1.1.0', versions: { cached_versions: ['1.1.0'] } });
    expect((await post(`${b()}/store/vtamper/uninstall`)).status).toBe(200);
    await expectErrorAnswer(await post(`${b()}/store/${v1}/install`), 503, 'STORE_UNAVAILABLE');
  });
});
