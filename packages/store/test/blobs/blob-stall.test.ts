import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { expectErrorAnswer } from '../../../../test-support/errors.js';
import { request } from '../../../../test-support/http.js';
import { buildTestStore, json, pluginZip, uploadZip, type TestStore } from '../helpers.js';
import { useBlobEngines } from './blob-harness.js';

const engines = useBlobEngines();

/*
 * An S3 endpoint that stops answering (a hung server, a network partition that drops packets
 * instead of refusing them): publishes and downloads must end in a clear 503 after
 * OKO_STORE_S3_TIMEOUT_S, not hang for as long as the socket stays open.
 */

const KEY = 'admin-key-0123456789';
const ADMIN = { 'x-api-key': KEY };

/** A TCP relay to `target` that, once stalled, swallows every byte both ways on every connection, old and new. */
async function stallableRelay(target: string): Promise<{ endpoint: string; stall(): void; dropNextPut(): void; close(): Promise<void> }> {
  const { hostname, port } = new URL(target);
  let stalled = false;
  let dropPut = false;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(port), hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => sockets.delete(socket));
    }
    client.on('data', (chunk: Buffer) => {
      // A connection cut as a PUT starts: what a server closing an idle keep-alive socket just as it is reused looks like.
      if (dropPut && chunk.subarray(0, 4).toString() === 'PUT ') {
        dropPut = false;
        client.destroy();
        upstream.destroy();
        return;
      }
      if (!stalled) upstream.write(chunk);
    });
    upstream.on('data', (chunk) => stalled || client.write(chunk));
    client.on('end', () => stalled || upstream.end());
    upstream.on('end', () => stalled || client.end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as net.AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    stall: () => {
      stalled = true;
    },
    dropNextPut: () => {
      dropPut = true;
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe('a bucket that stops answering', () => {
  it('answers publishes and downloads with 503 BLOB_STORAGE_UNAVAILABLE after the S3 timeout, and keeps listing', async () => {
    const relay = await stallableRelay(engines.s3.endpoint);
    let store: TestStore | undefined;
    try {
      store = await buildTestStore({
        env: {
          OKO_STORE_DATABASE_URL: await engines.pg.createDatabase('blobstall'),
          OKO_STORE_BLOB_URL: `s3://${engines.s3.bucket}/stall-${Date.now()}`,
          OKO_STORE_S3_ENDPOINT: relay.endpoint,
          OKO_STORE_S3_TIMEOUT_S: '1',
          OKO_STORE_API_KEY: KEY,
        },
      });
      const published = await uploadZip(store, pluginZip('stall_before', '1.0.0'), ADMIN);
      expect(published.status).toBe(201);
      const { plugin } = await json(published);

      relay.stall();
      await expectErrorAnswer(await uploadZip(store, pluginZip('stall_during', '1.0.0'), ADMIN), 503, 'BLOB_STORAGE_UNAVAILABLE');
      await expectErrorAnswer(await request(`${store.api}/plugins/${plugin.id}/download`), 503, 'BLOB_STORAGE_UNAVAILABLE');
      const listed = await json(await request(`${store.api}/plugins`));
      expect(listed.plugins.map((p: { name: string }) => p.name)).toEqual(['stall_before']);
    } finally {
      await store?.close();
      await relay.close();
    }
  }, 60_000);

  it('publishes when the connection of its upload is cut once (a streamed PUT the SDK does not retry)', async () => {
    const relay = await stallableRelay(engines.s3.endpoint);
    let store: TestStore | undefined;
    try {
      store = await buildTestStore({
        env: {
          OKO_STORE_DATABASE_URL: await engines.pg.createDatabase('blobcut'),
          OKO_STORE_BLOB_URL: `s3://${engines.s3.bucket}/cut-${Date.now()}`,
          OKO_STORE_S3_ENDPOINT: relay.endpoint,
          OKO_STORE_API_KEY: KEY,
        },
      });
      relay.dropNextPut();
      const answer = await uploadZip(store, pluginZip('cut_once', '1.0.0'), ADMIN);
      expect(answer.status, await answer.clone().text()).toBe(201);
      const { plugin } = await json(answer);
      const download = await request(`${store.api}/plugins/${plugin.id}/download`);
      expect(download.status).toBe(200);
      await download.arrayBuffer();
    } finally {
      await store?.close();
      await relay.close();
    }
  }, 60_000);
});
