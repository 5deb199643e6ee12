import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { post, request } from '../../../test-support/http.js';
import { eventually } from '../../../test-support/eventually.js';
import { buildTestStore, json, pluginZip, uploadZip, type TestStore } from './helpers.js';

// A download counts, and makes its downloader's review verified_install, once the package went out.
let store: TestStore;
const DROPPER = 'dropper-instance-0000000';
const as = (instance: string) => ({ 'x-oko-instance': instance });

beforeAll(async () => {
  store = await buildTestStore({ env: { OKO_STORE_STATS_FOLD_S: '0' } });
  // Random bytes, stored: bigger than what the sockets buffer, so a client that stops reading stops the answer.
  const zip = pluginZip('bulky', '1.0.0', {}, [{ name: 'blob.bin', content: randomBytes(12 * 1024 * 1024), method: 0 }]);
  expect((await uploadZip(store, zip)).status).toBe(201);
});
afterAll(async () => {
  await store?.close();
});

/** Sends a GET over a socket, waits for the first bytes of the answer, then hangs up. */
function dropAfterHeaders(path: string, headers: Record<string, string>): Promise<string> {
  const { port } = new URL(store.url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), '127.0.0.1', () => {
      const lines = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`);
      socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${lines.join('')}\r\n`);
    });
    socket.once('data', (chunk: Buffer) => {
      socket.pause();
      socket.destroy();
      resolve(chunk.toString('latin1').split('\r\n')[0] ?? '');
    });
    socket.on('error', reject);
  });
}

/**
 * Sends a GET and hangs up the moment the whole body is in, as curl and wget do: the store may not
 * have ended the answer on its side yet, but the client has every byte. Resolves with the body length.
 */
function readWholeThenHangUp(path: string, headers: Record<string, string>): Promise<number> {
  const { port } = new URL(store.url);
  return new Promise((resolve, reject) => {
    let received = Buffer.alloc(0);
    const socket = net.connect(Number(port), '127.0.0.1', () => {
      const lines = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`);
      socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${lines.join('')}\r\n`);
    });
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const end = received.indexOf('\r\n\r\n');
      const length = Number(/content-length: (\d+)/i.exec(received.subarray(0, end).toString('latin1'))?.[1] ?? NaN);
      if (end < 0 || received.length < end + 4 + length) return;
      socket.destroy();
      resolve(length);
    });
    socket.on('error', reject);
  });
}

describe('counting downloads', () => {
  it('does not count a download dropped after the headers, nor make its reviews verified_install', async () => {
    expect(await dropAfterHeaders('/api/v1/plugins/bulky/download', as(DROPPER))).toBe('HTTP/1.1 200 OK');
    // Give the store time to notice the hang-up.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const review = await json(await post(`${store.api}/plugins/bulky/reviews`, { rating: 5 }, as(DROPPER)));
    expect(review).toMatchObject({ verified_install: false, version: null });
    expect((await json(await request(`${store.api}/plugins/bulky`))).installs).toEqual({ downloads: 0, instances: 0 });
  });

  it('counts a small package read whole by a client that hangs up at once (curl), every time', async () => {
    expect((await uploadZip(store, pluginZip('small_one', '1.0.0'))).status).toBe(201);
    const times = 30;
    for (let i = 0; i < times; i++)
      expect(await readWholeThenHangUp('/api/v1/plugins/small_one/download', as(`curl-like-instance-${i}`))).toBeGreaterThan(0);
    await eventually(async () =>
      expect((await json(await request(`${store.api}/plugins/small_one`))).installs).toEqual({ downloads: times, instances: times }),
    );
  });

  it('counts a whole download', async () => {
    const res = await request(`${store.api}/plugins/bulky/download`, { headers: as(DROPPER) });
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    await eventually(async () =>
      expect((await json(await request(`${store.api}/plugins/bulky`))).installs).toEqual({ downloads: 1, instances: 1 }),
    );
    expect((await json(await post(`${store.api}/plugins/bulky/reviews`, { rating: 5 }, as(DROPPER)))).verified_install).toBe(true);
  });
});
