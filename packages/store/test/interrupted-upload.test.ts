import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventually } from '../../../test-support/eventually.js';
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

// The store runs in this process but listens: these uploads need a real socket to stall or cut.
beforeEach(async () => {
  store = await buildTestStore({ env: { OKO_STORE_UPLOAD_IDLE_TIMEOUT_MS: '1000' } });
});
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
});
