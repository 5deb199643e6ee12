import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { expectErrorAnswer } from '../../../test-support/errors.js';
import { startStore, STORE_ENTRY, type StoreProcess } from '../../../test-support/processes.js';
import { json, pluginZip, uploadFolders, uploadZip } from './helpers.js';

// Real store processes: removing or breaking plugins.json, restarting, and `store:recover` (the built dist/recover.js).

const RECOVER_ENTRY = path.join(path.dirname(STORE_ENTRY), 'recover.js');

let storage: string;
let store: StoreProcess | undefined;

afterEach(async () => {
  await store?.stop();
  store = undefined;
  if (storage) await rm(storage, { recursive: true, force: true });
});

async function freshStorage(): Promise<string> {
  storage = await mkdtemp(path.join(os.tmpdir(), 'oko-store-recover-'));
  return storage;
}

async function publish(s: StoreProcess, names: string[]): Promise<any[]> {
  const plugins = [];
  for (const name of names) {
    const answer = await uploadZip(s, pluginZip(name, '1.0.0', { author: `${name} owner` }));
    expect(answer.status).toBe(201);
    plugins.push((await json(answer)).plugin);
  }
  return plugins;
}

async function recover(...args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, [RECOVER_ENTRY, ...args], {
    env: { ...process.env, OKO_STORE_STORAGE_PATH: storage },
  });
  return stdout;
}

const health = async (s: StoreProcess) => json(await fetch(`${s.api}/health`));

describe('plugins.json removed or broken, with real restarts', () => {
  it('removing plugins.json keeps every package; store:recover brings back the same ids, created_at, source and owner', async () => {
    store = await startStore({ storageDir: await freshStorage() });
    const names = Array.from({ length: 8 }, (_, i) => `kept_${i}`);
    const published = await publish(store, names);
    const folders = (await uploadFolders(store)).sort();
    expect(folders).toHaveLength(names.length);
    await store.stop();

    // The README's old advice: remove it, then restart.
    await rm(path.join(storage, 'plugins.json'));
    store = await startStore({ storageDir: storage });
    expect(store.output()).toMatch(/CATALOG READ-ONLY: plugins.json is missing while uploads\/ holds 8 published package folder/);
    expect(store.output()).toContain('npm run store:recover');
    expect((await uploadFolders(store)).sort()).toEqual(folders);
    const degraded = await fetch(`${store.api}/health`);
    expect(degraded.status).toBe(200);
    expect(await json(degraded)).toMatchObject({ status: 'degraded', read_only: true, plugins_count: 8 });
    await expectErrorAnswer(await uploadZip(store, pluginZip('not_now')), 503, 'CATALOG_READ_ONLY');
    await store.stop();

    // A dry run writes nothing; the real one rebuilds.
    expect(await recover('--dry-run')).toMatch(/Would rebuild .*: 8 entries/);
    await expect(readFile(path.join(storage, 'plugins.json'))).rejects.toThrow();
    expect(await recover()).toMatch(
      /Rebuilt .*plugins.json \(it was missing\): 8 entries\n {2}0 kept from plugins.json, 8 from upload folders' entry records, 0 made/,
    );

    store = await startStore({ storageDir: storage });
    expect(await health(store)).toMatchObject({ status: 'healthy', read_only: false, plugins_count: 8 });
    for (const plugin of published) {
      expect(await json(await fetch(`${store.api}/plugins/${plugin.id}`))).toEqual(plugin);
    }
    const download = await fetch(`${store.api}/plugins/${published[3].id}/download`);
    expect(download.headers.get('x-checksum-sha256')).toBe(published[3].sha256);
    await download.arrayBuffer();
    expect((await uploadZip(store, pluginZip('after_recovery'))).status).toBe(201);
    store = await store.restart();
    expect((await uploadFolders(store)).length).toBe(9);
  });

  it('logs which record of plugins.json is bad, and keeps serving the others', async () => {
    store = await startStore({ storageDir: await freshStorage() });
    const published = await publish(store, ['good_a', 'bad_b', 'good_c']);
    await store.stop();
    const file = JSON.parse(await readFile(path.join(storage, 'plugins.json'), 'utf8'));
    file.plugins[1].created_at = { nested: true };
    await writeFile(path.join(storage, 'plugins.json'), JSON.stringify(file));
    // No entry record to stand in for it, so the bad record is really gone from the view.
    await rm(path.join(storage, 'uploads', file.plugins[1].storage.dir, 'entry.json'));

    store = await startStore({ storageDir: storage });
    expect(store.output()).toContain(`CATALOG RECORD SKIPPED: plugins.json record #1 (id ${published[1].id}): plugins/1: created_at`);
    const listed = (await json(await fetch(`${store.api}/plugins`))).plugins.map((p: any) => p.id);
    expect(listed.sort()).toEqual([published[0].id, published[2].id].sort());
    const body = await health(store);
    expect(body).toMatchObject({ status: 'degraded', read_only: true, plugins_count: 2 });
    expect(body.reason).toContain(`#1 (id ${published[1].id})`);
    expect((await uploadFolders(store)).length).toBe(3);
  });

  it('an older plugins.json put back does not cost the packages published since; recovery adds them back', async () => {
    store = await startStore({ storageDir: await freshStorage() });
    await publish(store, ['before_backup']);
    await copyFile(path.join(storage, 'plugins.json'), path.join(storage, 'backup.json'));
    const [later] = await publish(store, ['after_backup']);
    await store.stop();
    await copyFile(path.join(storage, 'backup.json'), path.join(storage, 'plugins.json'));

    store = await startStore({ storageDir: storage });
    expect(store.output()).toMatch(/1 upload folder\(s\) hold a published package that plugins.json does not list; kept/);
    expect((await uploadFolders(store)).length).toBe(2);
    expect(await health(store)).toMatchObject({ status: 'healthy', plugins_count: 1 });
    await store.stop();

    expect(await recover()).toMatch(/2 entries\n {2}1 kept from plugins.json, 1 from upload folders' entry records/);
    store = await startStore({ storageDir: storage });
    expect(await json(await fetch(`${store.api}/plugins/${later.id}`))).toEqual(later);
  });
});
