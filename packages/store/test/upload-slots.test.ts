import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../../../test-support/eventually.js';
import { UploadSlots } from '../src/lib/upload-slots.js';
import type { StoreServices } from '../src/services/index.js';
import { buildTestStore, multipartParts, pluginZip, uploadFolders, uploadZip, type TestStore } from './helpers.js';
import { openRawExchange, type RawExchange } from './raw-client.js';

const UPLOAD = '/api/v1/plugins/upload/zip';
let store: TestStore | undefined;

afterEach(async () => {
  await store?.close();
  store = undefined;
});

describe('UploadSlots', () => {
  it('lets `size` in at once and the rest in order; a waiter that gives up leaves the queue', async () => {
    const slots = new UploadSlots(1);
    const order: string[] = [];
    const [a, b, c] = [slots.take(), slots.take(), slots.take()];
    for (const [name, slot] of [
      ['a', a],
      ['b', b],
      ['c', c],
    ] as const)
      void slot.ready.then(() => order.push(name));
    await Promise.resolve();
    expect(order).toEqual(['a']);
    expect(slots.counts).toEqual({ receiving: 1, waiting: 2 });
    b.release();
    expect(slots.counts).toEqual({ receiving: 1, waiting: 1 });
    a.release();
    a.release();
    await c.ready;
    expect(order).toEqual(['a', 'c']);
    c.release();
    expect(slots.counts).toEqual({ receiving: 0, waiting: 0 });
  });
});

/** A store that receives one upload at a time, and its services to look at the queue. */
async function oneAtATime(env: Record<string, string> = {}): Promise<{ s: TestStore; services: StoreServices }> {
  let services: StoreServices | undefined;
  store = await buildTestStore({
    env: { OKO_STORE_MAX_CONCURRENT_UPLOADS: '1', ...env },
    seedCatalog: async (ready) => {
      services = ready;
    },
  });
  return { s: store, services: services! };
}

/** An upload whose client sent the form's head and half its file, then nothing. */
function stalledUpload(s: TestStore, name: string): { exchange: RawExchange; rest: Buffer } {
  const zip = pluginZip(name);
  const { head, tail, contentType } = multipartParts(zip);
  const exchange = openRawExchange(s, UPLOAD, {
    'content-type': contentType,
    'content-length': String(head.length + zip.length + tail.length),
  });
  const half = Math.floor(zip.length / 2);
  exchange.socket.write(Buffer.concat([head, zip.subarray(0, half)]));
  return { exchange, rest: Buffer.concat([zip.subarray(half), tail]) };
}

describe('uploads received at once', () => {
  it('are bounded: the next waits, its body unread, and goes in once the first is done', async () => {
    const { s, services } = await oneAtATime();
    const first = stalledUpload(s, 'first_plugin');
    await eventually(async () => expect(await uploadFolders(s)).toHaveLength(1));
    const second = uploadZip(s, pluginZip('second_plugin'));
    await eventually(() => expect(services.uploadSlots.counts).toEqual({ receiving: 1, waiting: 1 }));
    // Nothing of the second is received meanwhile: no folder of its own.
    expect(await uploadFolders(s)).toHaveLength(1);
    first.exchange.socket.write(first.rest);
    expect((await first.exchange.answer).status).toBe(201);
    expect((await second).status).toBe(201);
    expect(services.uploadSlots.counts).toEqual({ receiving: 0, waiting: 0 });
  });

  it('a wait past the upload deadline is a 408 that leaves nothing, and frees nothing it did not hold', async () => {
    const { s, services } = await oneAtATime({ OKO_STORE_UPLOAD_DEADLINE_MS: '1500' });
    // The place is held for as long as the test likes: an upload being received that outlasts the wait.
    const held = services.uploadSlots.take();
    await held.ready;
    const zip = pluginZip('second_plugin');
    const { head, tail, contentType } = multipartParts(zip);
    const second = openRawExchange(s, UPLOAD, {
      'content-type': contentType,
      'content-length': String(head.length + zip.length + tail.length),
    });
    second.socket.write(Buffer.concat([head, zip, tail]));
    await eventually(() => expect(services.uploadSlots.counts).toEqual({ receiving: 1, waiting: 1 }));
    const answer = await second.answer;
    expect(answer.status).toBe(408);
    expect(answer.body.error.code).toBe('UPLOAD_TIMEOUT');
    expect(services.uploadSlots.counts).toEqual({ receiving: 1, waiting: 0 });
    held.release();
    await eventually(async () => expect(await uploadFolders(s)).toEqual([]));
    expect(services.uploadSlots.counts).toEqual({ receiving: 0, waiting: 0 });
    expect((await uploadZip(s, pluginZip('after_plugin'))).status).toBe(201);
  });
});
