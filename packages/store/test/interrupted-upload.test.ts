import { stat } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventually } from '../../../test-support/eventually.js';
import { noise } from '../../../test-support/fixtures.js';
import type { StoreServices } from '../src/services/index.js';
import {
  buildTestStore,
  catalogFile,
  multipartParts,
  openRawUpload,
  pluginZip,
  uploadFolders,
  uploadZip,
  type TestStore,
} from './helpers.js';

let store: TestStore;
let services: StoreServices;

/** The store runs in this process but listens: these uploads need a real socket to stall or cut. */
async function startStore(idleTimeoutMs: number): Promise<void> {
  store = await buildTestStore({
    env: { OKO_STORE_UPLOAD_IDLE_TIMEOUT_MS: String(idleTimeoutMs) },
    seedCatalog: async (started) => {
      services = started;
    },
  });
}

beforeEach(() => startStore(1000));
afterEach(async () => {
  await store?.close();
});

/** A plugin ZIP of ~600 KiB (stored noise) so half of it is clearly "in the middle". */
function bigPlugin(name: string): Buffer {
  const noise = Buffer.from(Array.from({ length: 600 * 1024 }, (_, i) => (i * 2654435761) >>> 24));
  return pluginZip(name, '1.0.0', {}, [{ name: 'noise.bin', content: noise, method: 0 }]);
}

async function expectNothingStored(): Promise<void> {
  await eventually(async () => {
    expect(await uploadFolders(store)).toEqual([]);
  });
  expect((await catalogFile(store))?.plugins ?? []).toEqual([]);
}

describe('interrupted uploads', () => {
  it('a client that aborts halfway leaves no entry and no file; the next upload works', async () => {
    const zip = bigPlugin('aborted_plugin');
    const { head, tail, contentType } = multipartParts(zip);
    const { request } = openRawUpload(store, contentType, head.length + zip.length + tail.length);
    request.write(head);
    request.write(zip.subarray(0, zip.length / 2));
    // The store has started writing this upload to disk before the client goes away.
    await eventually(async () => {
      expect((await uploadFolders(store)).length).toBe(1);
    });
    request.destroy();
    await expectNothingStored();
    expect((await uploadZip(store, bigPlugin('after_abort'))).status).toBe(201);
  });

  it('a client that stops sending gets 408 and leaves nothing; the next upload works', async () => {
    const zip = bigPlugin('slow_plugin');
    const { head, tail, contentType } = multipartParts(zip);
    const { request, response } = openRawUpload(store, contentType, head.length + zip.length + tail.length);
    request.write(head);
    request.write(zip.subarray(0, 1000));
    const answer = await response; // then nothing more: the idle timeout (1 s) must fire
    request.destroy();
    expect(answer.status).toBe(408);
    expect(answer.body.error.code).toBe('UPLOAD_TIMEOUT');
    await expectNothingStored();
    expect((await uploadZip(store, bigPlugin('after_slow'))).status).toBe(201);
  });

  it("a thread that dies mid-upload fails it as the store's own error (500, not a malformed body), leaving nothing", async () => {
    // A thread's first start can take longer than 1 s of silence on a loaded machine.
    await store.close();
    await startStore(30_000);
    const zip = pluginZip('orphan_plugin', '1.0.0', {}, [{ name: 'noise.bin', content: noise(3 * 1024 * 1024, 'orphan'), method: 0 }]);
    const { head, tail, contentType } = multipartParts(zip);
    const { request, response } = openRawUpload(store, contentType, head.length + zip.length + tail.length);
    request.write(head);
    request.write(zip.subarray(0, 2 * 1024 * 1024));
    // The thread has begun writing this upload's files when it dies.
    await eventually(async () => {
      const [folder] = await uploadFolders(store);
      expect((await stat(path.join(store.storage, 'uploads', folder!, 'extracted', 'noise.bin'))).size).toBeGreaterThan(0);
    });
    await services.archiveThread.close();
    const answer = await response;
    request.destroy();
    expect(answer).toMatchObject({ status: 500, body: { error: { code: 'INTERNAL_ERROR' } } });
    await expectNothingStored();
    // The next task starts a new thread.
    expect((await uploadZip(store, bigPlugin('after_crash'))).status).toBe(201);
  });
});
