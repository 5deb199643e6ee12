import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fakeStoreSetup } from './fake-store-setup.js';
// Crafted archives no honest zip tool writes (a ../ entry).
import { buildRawZip } from '../../../test-support/raw-zip.js';
import { expectErrorAnswer } from '../../../test-support/errors.js';
import { listDir, pluginZip, sha256, zipFiles } from '../../../test-support/fixtures.js';
import { api, getJson, post, request } from '../../../test-support/http.js';
import { eventually } from '../../../test-support/eventually.js';
import { startBackend } from '../../../test-support/processes.js';
import { freePort } from '../../../test-support/free-port.js';

// Failure modes of install that a well-behaved store never shows, fed in by a fake store. The
// backend is built in-process, except where it is killed mid-install.

const { dirs, track, backendFor, fakeStore } = fakeStoreSetup('store-failures');

function entryFor(name: string, zip: Buffer, overrides: Record<string, unknown> = {}) {
  return { id: `id_${name}`, name, version: '1.0.0', description: 'x', size: zip.length, sha256: sha256(zip), ...overrides };
}

describe('install refuses a package that is not what the catalog promises', () => {
  it('answers 422 CHECKSUM_MISMATCH when the bytes do not match the catalog SHA-256, plugins/ unchanged', async () => {
    const zip = await pluginZip({ name: 'tampered' });
    const store = await fakeStore([{ entry: entryFor('tampered', zip, { sha256: 'a'.repeat(64) }), zip }]);
    const { backend, pluginsDir } = await backendFor(store.url, 'checksum');
    const message = await expectErrorAnswer(await post(`${api(backend)}/store/id_tampered/install`), 422, 'CHECKSUM_MISMATCH');
    expect(message).toContain('SHA-256');
    expect(await listDir(pluginsDir)).toEqual([]);
    expect((await getJson<{ total: number }>(`${api(backend)}/plugins`)).body.total).toBe(0);
  });

  it('answers 422 CHECKSUM_MISMATCH when the download is longer than the catalog size', async () => {
    const zip = await pluginZip({ name: 'longer' });
    const store = await fakeStore([{ entry: entryFor('longer', zip, { size: zip.length - 10 }), zip }]);
    const { backend, pluginsDir } = await backendFor(store.url, 'size');
    await expectErrorAnswer(await post(`${api(backend)}/store/longer/install`), 422, 'CHECKSUM_MISMATCH');
    expect(await listDir(pluginsDir)).toEqual([]);
  });

  it("answers 422 INVALID_PACKAGE when the manifest's name is not the catalog's", async () => {
    const zip = await pluginZip({ name: 'other_name' });
    const store = await fakeStore([{ entry: entryFor('claimed', zip), zip }]);
    const { backend, pluginsDir } = await backendFor(store.url, 'name');
    const message = await expectErrorAnswer(await post(`${api(backend)}/store/id_claimed/install`), 422, 'INVALID_PACKAGE');
    expect(message).toContain('other_name');
    expect(await listDir(pluginsDir)).toEqual([]);
  });

  it('answers 422 INVALID_ARCHIVE for an archive whose entry escapes with ../, plugins/ unchanged', async () => {
    const zip = buildRawZip([
      { name: 'manifest.json', content: JSON.stringify({ name: 'slip', version: '1.0.0' }) },
      { name: 'index.js', content: '' },
      { name: '../evil.js', content: 'x' },
    ]);
    const store = await fakeStore([{ entry: entryFor('slip', zip), zip }]);
    const { backend, pluginsDir } = await backendFor(store.url, 'slip');
    await expectErrorAnswer(await post(`${api(backend)}/store/slip/install`), 422, 'INVALID_ARCHIVE');
    expect(await listDir(pluginsDir)).toEqual([]);
    expect(await listDir(path.dirname(pluginsDir))).not.toContain('evil.js');
  });

  it('answers 422 INVALID_MANIFEST for a package with a broken manifest', async () => {
    const zip = await zipFiles({ 'manifest.json': JSON.stringify({ name: 'broken', version: 'one' }), 'index.js': '' });
    const store = await fakeStore([{ entry: entryFor('broken', zip), zip }]);
    const { backend, pluginsDir } = await backendFor(store.url, 'manifest');
    await expectErrorAnswer(await post(`${api(backend)}/store/broken/install`), 422, 'INVALID_MANIFEST');
    expect(await listDir(pluginsDir)).toEqual([]);
  });
});

describe('store unavailable', () => {
  it('a refused connection: GET /store says available:false fast, install 503, health says why', async () => {
    const closedPort = await freePort();
    const { backend, pluginsDir } = await backendFor(`http://127.0.0.1:${closedPort}/api/v1`, 'refused');
    const started = Date.now();
    const list = await getJson<{ available: boolean; plugins: unknown[]; total: number; reason: string }>(`${api(backend)}/store`);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(list.status).toBe(200);
    expect(list.body).toMatchObject({ available: false, plugins: [], total: 0, page: 1, per_page: 50 });
    expect(list.body.reason).toContain('connection refused');
    await expectErrorAnswer(await post(`${api(backend)}/store/anything/install`), 503, 'STORE_UNAVAILABLE');
    await expectErrorAnswer(await request(`${api(backend)}/store/anything`), 503, 'STORE_UNAVAILABLE');
    const health = await getJson<Record<string, unknown>>(`${api(backend)}/store/health`);
    expect(health.body).toMatchObject({ available: false, url: `http://127.0.0.1:${closedPort}/api/v1` });
    expect(typeof health.body.response_time_ms).toBe('number');
    expect(await listDir(pluginsDir)).toEqual([]);
  });

  it('a store that accepts connections but never answers is given up on after OKO_STORE_TIMEOUT_MS', async () => {
    const silent = await silentServer();
    const { backend } = await backendFor(`http://127.0.0.1:${silent.port}/api/v1`, 'silent', { OKO_STORE_TIMEOUT_MS: '1000' });
    const started = Date.now();
    const list = await getJson<{ available: boolean; reason: string }>(`${api(backend)}/store`);
    expect(list.body.available).toBe(false);
    expect(list.body.reason).toContain('no answer within 1000 ms');
    await expectErrorAnswer(await post(`${api(backend)}/store/x/install`), 503, 'STORE_UNAVAILABLE');
    // Two bounded calls of 1 s each; generous for a loaded machine, far below "hangs".
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});

describe('a backend killed in the middle of an install', () => {
  it('shows no half-installed plugin after restart and leaves no staging folder', async () => {
    const zip = await pluginZip({ name: 'interrupted', files: { 'static/blob.bin': randomBytesOf(256 * 1024) } });
    const store = await fakeStore([{ entry: entryFor('interrupted', zip), zip, download: 'stall' }]);
    const folders = await dirs('killed');
    const first = await startBackend({ storeUrl: store.url, ...folders });
    track(first);
    const pending = post(`${api(first)}/store/interrupted/install`).catch(() => undefined);
    await store.stalled;
    // Mid-install for real: the staging folder holds part of the package.
    const staging = await eventually(
      async () => {
        const name = (await readdir(folders.pluginsDir)).find((n) => n.startsWith('.staging-'));
        const size = name
          ? await stat(path.join(folders.pluginsDir, name, 'package.zip')).then(
              (s) => s.size,
              () => 0,
            )
          : 0;
        return size > 0 ? name : undefined;
      },
      (name) => name !== undefined,
      20_000,
    );
    await first.kill();
    await pending;
    expect(await listDir(folders.pluginsDir)).toEqual([staging]);

    const second = await startBackend({ storeUrl: store.url, ...folders });
    track(second);
    expect(await listDir(folders.pluginsDir)).toEqual([]);
    const plugins = await getJson<{ plugins: Array<{ id: string }> }>(`${api(second)}/plugins`);
    expect(plugins.body.plugins.map((p) => p.id)).not.toContain('interrupted');
  });
});

function randomBytesOf(size: number): Buffer {
  const buffer = Buffer.alloc(size);
  for (let i = 0; i < size; i += 1) buffer[i] = (i * 2654435761) >>> 24;
  return buffer;
}

/** Accepts TCP connections and never says a word: the hung store. */
async function silentServer(): Promise<{ port: number }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => sockets.add(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  track({
    stop: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  });
  return { port: (server.address() as AddressInfo).port };
}
