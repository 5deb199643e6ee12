import { readdir } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { fakeStoreSetup } from './fake-store-setup.js';
import type { FakeStore } from '../../../test-support/fake-store.js';
import { expectErrorAnswer } from '../../../test-support/errors.js';
import { listDir, pluginZip, sha256 } from '../../../test-support/fixtures.js';
import { api, post, request } from '../../../test-support/http.js';
import { eventually } from '../../../test-support/eventually.js';

// The backend does not take the store's word: each test feeds in one answer a broken or hostile
// store gave in the audit and checks the bound that now holds.

const { backendFor, fakeStore } = fakeStoreSetup('store-distrust');

function entryFor(name: string, zip: Buffer, overrides: Record<string, unknown> = {}) {
  return { id: `id_${name}`, name, version: '1.0.0', description: 'x', size: zip.length, sha256: sha256(zip), ...overrides };
}

const downloads = (store: FakeStore) => store.requests.filter((r) => r.url.endsWith('/download')).length;

describe('the backend bounds what it takes from the store', () => {
  it('ends an install whose download drips at the total deadline, even after the client left, with no staging folder left', async () => {
    const zip = await pluginZip({ name: 'dripping' });
    const store = await fakeStore([{ entry: entryFor('dripping', zip), zip, download: 'drip' }]);
    // The idle bound alone would never fire: a byte comes every 20 ms.
    const { backend, pluginsDir } = await backendFor(store.url, 'drip', {
      OKO_STORE_TRANSFER_TIMEOUT_MS: '60000',
      OKO_STORE_DOWNLOAD_TIMEOUT_MS: '1500',
    });
    // Over a real socket, so the client can hang up mid-install as the audit's did.
    const client = new AbortController();
    const gone = fetch(`${api(backend)}/store/dripping/install`, { method: 'POST', signal: client.signal }).catch(() => undefined);
    await eventually(async () => expect((await readdir(pluginsDir)).some((n) => n.startsWith('.staging-'))).toBe(true));
    await eventually(() => expect(store.downloadBytes()).toBeGreaterThan(3));
    client.abort();
    await gone;
    await eventually(async () => expect(await listDir(pluginsDir)).toEqual([]), undefined, 20_000);
    // It did end: the plugin can be asked for again, and that attempt ends the same way.
    const message = await expectErrorAnswer(await post(`${api(backend)}/store/dripping/install`), 503, 'STORE_UNAVAILABLE');
    expect(message).toContain('OKO_STORE_DOWNLOAD_TIMEOUT_MS');
    expect(await listDir(pluginsDir)).toEqual([]);
  });

  it("refuses an entry claiming 50 GB at the backend's own package limit, before a byte is downloaded", async () => {
    const zip = await pluginZip({ name: 'huge' });
    const store = await fakeStore([{ entry: entryFor('huge', zip, { size: 50 * 1024 ** 3 }), zip, download: 'endless' }]);
    const { backend, pluginsDir } = await backendFor(store.url, 'huge', { OKO_STORE_MAX_PACKAGE_MB: '1' });
    const message = await expectErrorAnswer(await post(`${api(backend)}/store/huge/install`), 422, 'INVALID_PACKAGE');
    expect(message).toContain('OKO_STORE_MAX_PACKAGE_MB');
    expect(downloads(store)).toBe(0);
    expect(store.downloadBytes()).toBe(0);
    expect(await listDir(pluginsDir)).toEqual([]);
  });

  it('answers 502 BAD_STORE_ANSWER for an entry with wrong field types, on install and on view, never a 500', async () => {
    const zip = await pluginZip({ name: 'typed' });
    const store = await fakeStore([{ entry: entryFor('typed', zip, { size: 'big', tags: 5 }), zip }]);
    const { backend, pluginsDir } = await backendFor(store.url, 'types');
    expect(await expectErrorAnswer(await post(`${api(backend)}/store/typed/install`), 502, 'BAD_STORE_ANSWER')).toMatch(/size|tags/);
    await expectErrorAnswer(await request(`${api(backend)}/store/typed`), 502, 'BAD_STORE_ANSWER');
    await expectErrorAnswer(await request(`${api(backend)}/store`), 502, 'BAD_STORE_ANSWER');
    expect(downloads(store)).toBe(0);
    expect(await listDir(pluginsDir)).toEqual([]);
  });

  it('answers 502 BAD_STORE_ANSWER for a catalog page over the answer limit', async () => {
    const zip = await pluginZip({ name: 'wordy' });
    const store = await fakeStore([{ entry: entryFor('wordy', zip, { description: 'x'.repeat(2 * 1024 * 1024) }), zip }]);
    const { backend } = await backendFor(store.url, 'answer-size', { OKO_STORE_MAX_ANSWER_MB: '1' });
    expect(await expectErrorAnswer(await request(`${api(backend)}/store`), 502, 'BAD_STORE_ANSWER')).toContain('bytes');
  });

  it('does not follow a redirect from the store to another port', async () => {
    const zip = await pluginZip({ name: 'moved' });
    const elsewhere = await fakeStore([{ entry: entryFor('moved', zip), zip }]);
    const store = await fakeStore([{ entry: entryFor('moved', zip), zip, redirectTo: `${elsewhere.url}/plugins/moved` }]);
    const { backend, pluginsDir } = await backendFor(store.url, 'redirect');
    expect(await expectErrorAnswer(await post(`${api(backend)}/store/moved/install`), 502, 'BAD_STORE_ANSWER')).toContain('redirect');
    expect(elsewhere.requests).toEqual([]);
    expect(await listDir(pluginsDir)).toEqual([]);
  });
});
