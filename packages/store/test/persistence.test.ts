import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../../../test-support/eventually.js';
import { expectErrorAnswer } from '../../../test-support/errors.js';
import { startStore, type StoreProcess } from '../../../test-support/processes.js';
import { catalogFile, json, pluginZip, uploadFolders, uploadZip } from './helpers.js';

// Real store processes: what survives a restart, a kill -9 and a corrupt file at start-up (and its log line).

let storage: string;
let store: StoreProcess | undefined;

afterEach(async () => {
  await store?.stop();
  store = undefined;
  if (storage) await rm(storage, { recursive: true, force: true });
});

async function freshStorage(): Promise<string> {
  storage = await mkdtemp(path.join(os.tmpdir(), 'oko-store-persist-'));
  return storage;
}

describe('catalog persistence', () => {
  it('keeps the catalog and the packages across a restart', async () => {
    store = await startStore({ storageDir: await freshStorage() });
    const created = await json(await uploadZip(store, pluginZip('durable', '3.1.4')));
    store = await store.restart();
    const entry = await json(await fetch(`${store.api}/plugins/${created.plugin_id}`));
    expect(entry).toEqual(created.plugin);
    const download = await fetch(`${store.api}/plugins/${created.plugin_id}/download`);
    expect(download.headers.get('x-checksum-sha256')).toBe(created.plugin.sha256);
    await download.arrayBuffer();
    expect((await json(await fetch(`${store.api}/health`))).plugins_count).toBe(1);
  });

  it('leaves a parseable plugins.json when killed with SIGKILL during a stream of catalog writes', async () => {
    store = await startStore({ storageDir: await freshStorage() });
    const s = store;
    let completed = 0;
    let stop = false;
    // Four writers upload and delete as fast as they can; the store is killed mid-way.
    const writer = async (w: number) => {
      for (let i = 0; !stop; i++) {
        try {
          const created = await uploadZip(s, pluginZip(`crash_${w}`, `1.0.${i}`));
          if (created.status !== 201) continue;
          completed++;
          const { plugin_id } = await json(created);
          if (i % 2 === 0) {
            await fetch(`${s.api}/plugins/${plugin_id}`, { method: 'DELETE' });
            completed++;
          }
        } catch {
          return; // the store is gone
        }
      }
    };
    const writers = [0, 1, 2, 3].map(writer);
    await eventually(
      () => completed,
      (n) => n >= 30,
      60_000,
    ).catch(() => undefined);
    expect(completed).toBeGreaterThanOrEqual(30);
    await s.kill();
    stop = true;
    await Promise.all(writers);

    const text = await readFile(path.join(storage, 'plugins.json'), 'utf8');
    const parsed = JSON.parse(text) as { format: number; plugins: { id: string; storage: { dir: string } }[] };
    expect(parsed.format).toBe(1);
    expect(parsed.plugins.length).toBeGreaterThan(0);

    // The restarted store reads it, and sweeps upload folders that no entry refers to.
    store = await startStore({ storageDir: storage });
    const health = await json(await fetch(`${store.api}/health`));
    expect(health).toMatchObject({ read_only: false, plugins_count: parsed.plugins.length });
    expect((await uploadFolders(store)).sort()).toEqual(parsed.plugins.map((p) => p.storage.dir).sort());
    expect((await uploadZip(store, pluginZip('after_crash'))).status).toBe(201);
  });

  it('goes read-only on a corrupt plugins.json: writes refused, file untouched, reads served', async () => {
    const dir = await freshStorage();
    const corrupt = '{"format": 1, "plugins": [{"id": "abc123", "name": "half';
    await writeFile(path.join(dir, 'plugins.json'), corrupt);
    store = await startStore({ storageDir: dir });
    expect(store.output()).toMatch(/CATALOG READ-ONLY: plugins.json is unreadable \(not valid JSON/);

    await expectErrorAnswer(await uploadZip(store, pluginZip('refused')), 503, 'CATALOG_READ_ONLY');
    await expectErrorAnswer(await fetch(`${store.api}/plugins/abc123`, { method: 'DELETE' }), 503, 'CATALOG_READ_ONLY');
    const github = await fetch(`${store.api}/plugins/upload/github`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ repo_url: 'https://github.com/octo/plugin' }),
    });
    await expectErrorAnswer(github, 503, 'CATALOG_READ_ONLY');

    expect(await readFile(path.join(dir, 'plugins.json'), 'utf8')).toBe(corrupt);
    expect(await uploadFolders(store)).toEqual([]);
    expect((await fetch(`${store.api}/plugins`)).status).toBe(200);
    expect(await json(await fetch(`${store.api}/health`))).toMatchObject({ status: 'degraded', read_only: true });
    expect((await json(await fetch(`${store.api}/info`))).read_only).toBe(true);
  });

  it('goes read-only on a plugins.json of the wrong shape', async () => {
    const dir = await freshStorage();
    await writeFile(path.join(dir, 'plugins.json'), '{"plugins": "nope"}');
    store = await startStore({ storageDir: dir });
    await expectErrorAnswer(await uploadZip(store, pluginZip('refused')), 503, 'CATALOG_READ_ONLY');
    expect(await readFile(path.join(dir, 'plugins.json'), 'utf8')).toBe('{"plugins": "nope"}');
    expect(await catalogFile(store)).toEqual({ plugins: 'nope' });
  });
});
