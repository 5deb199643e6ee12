import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../../../test-support/eventually.js';
import { buildTestStore, multipartParts, pluginZip, uploadFolders, uploadZip, type TestStore } from './helpers.js';
import { chunk, openRawExchange, writeAll, type RawExchange } from './raw-client.js';

const UPLOAD = '/api/v1/plugins/upload/zip';
const MB = 1024 * 1024;
let store: TestStore | undefined;

afterEach(async () => {
  await store?.close();
  store = undefined;
});

async function startStore(env: Record<string, string>): Promise<TestStore> {
  store = await buildTestStore({ env: { OKO_STORE_MAX_PLUGIN_SIZE_MB: '1', ...env } });
  return store;
}

/** A multipart body whose file is `fileBytes` of incompressible noise. */
function formWithFile(fileBytes: number): { body: Buffer; contentType: string } {
  const file = randomBytes(fileBytes);
  const { head, tail, contentType } = multipartParts(file);
  return { body: Buffer.concat([head, file, tail]), contentType };
}

/** Sends one byte every `everyMs` until the store answers: never idle long enough for the idle timeout. */
function drip(exchange: RawExchange, bytes: Buffer, everyMs: number): void {
  let sent = 0;
  const timer = setInterval(() => {
    if (sent < bytes.length) exchange.socket.write(bytes.subarray(sent, ++sent));
  }, everyMs);
  void exchange.answer.finally(() => clearInterval(timer)).catch(() => {});
}

describe('the total upload deadline', () => {
  it('drops an upload that sends one byte just often enough to dodge the idle timeout, with 408', async () => {
    const s = await startStore({ OKO_STORE_UPLOAD_IDLE_TIMEOUT_MS: '1000', OKO_STORE_UPLOAD_DEADLINE_MS: '1500' });
    const zip = pluginZip('drip_plugin');
    const { head, tail, contentType } = multipartParts(zip);
    const exchange = openRawExchange(s, UPLOAD, {
      'content-type': contentType,
      'content-length': String(head.length + zip.length + tail.length),
    });
    exchange.socket.write(head);
    drip(exchange, zip, 200);
    const answer = await exchange.answer;
    expect(answer.status).toBe(408);
    expect(answer.body.error).toMatchObject({ code: 'UPLOAD_TIMEOUT', message: expect.stringMatching(/did not finish within .* 1500 ms/) });
    await exchange.closed;
    await eventually(async () => expect(await uploadFolders(s)).toEqual([]));
    expect((await uploadZip(s, pluginZip('after_drip'))).status).toBe(201);
  });

  it('also bounds a client that drips the multipart preamble before any file part', async () => {
    const s = await startStore({ OKO_STORE_UPLOAD_IDLE_TIMEOUT_MS: '1000', OKO_STORE_UPLOAD_DEADLINE_MS: '1500' });
    const exchange = openRawExchange(s, UPLOAD, { 'content-type': 'multipart/form-data; boundary=x', 'content-length': '100000' });
    drip(exchange, Buffer.alloc(90_000, 'p'), 200);
    const answer = await exchange.answer;
    expect(answer.status).toBe(408);
    expect(answer.body.error.code).toBe('UPLOAD_TIMEOUT');
  });
});

describe('an upload refused before its body ended', () => {
  // Python's urllib sends `Connection: close`, requests keeps the connection: both write the whole body first.
  it.each(['keep-alive', 'close'])(
    'answers 413 to a client that writes the whole body before reading (Connection: %s)',
    async (connection) => {
      const s = await startStore({});
      // More than the two sockets' buffers hold, so the store must read it for the client to finish.
      const { body, contentType } = formWithFile(12 * MB);
      const exchange = openRawExchange(s, UPLOAD, { 'content-type': contentType, 'content-length': String(body.length), connection });
      await writeAll(exchange.socket, body);
      const answer = await exchange.answer;
      expect(answer.status).toBe(413);
      expect(answer.body.error.code).toBe('PAYLOAD_TOO_LARGE');
    },
  );

  it('answers 413 to a chunked upload cut off at the limit, after reading the rest', async () => {
    const s = await startStore({});
    const { body, contentType } = formWithFile(12 * MB);
    const exchange = openRawExchange(s, UPLOAD, { 'content-type': contentType, 'transfer-encoding': 'chunked' });
    await writeAll(exchange.socket, Buffer.concat([chunk(body), chunk(Buffer.alloc(0))]));
    const answer = await exchange.answer;
    expect(answer.status).toBe(413);
    expect(answer.body.error.code).toBe('PAYLOAD_TOO_LARGE');
    // The whole body was read, so the connection can serve the next request.
    expect(answer.headers.connection).toBe('keep-alive');
  });

  it('answers 413 to a file cut off while streaming inside a body whose length was allowed', async () => {
    const s = await startStore({});
    const { body, contentType } = formWithFile(MB + 20 * 1024);
    const exchange = openRawExchange(s, UPLOAD, { 'content-type': contentType, 'content-length': String(body.length) });
    await writeAll(exchange.socket, body);
    expect((await exchange.answer).status).toBe(413);
  });

  it('stops discarding after OKO_STORE_UPLOAD_DISCARD_MB and closes the connection', async () => {
    // A discard time far above the test's: the byte bound must be what ends it.
    const s = await startStore({ OKO_STORE_UPLOAD_DISCARD_MB: '1', OKO_STORE_UPLOAD_DISCARD_MS: '60000' });
    const { body, contentType } = formWithFile(2 * MB);
    const exchange = openRawExchange(s, UPLOAD, { 'content-type': contentType, 'transfer-encoding': 'chunked' });
    exchange.socket.write(chunk(body));
    // A client that reads as it sends (curl): it sends until the store answers or stops reading.
    let written = body.length;
    let stopped = false;
    void exchange.answer.finally(() => (stopped = true)).catch(() => {});
    const more = chunk(Buffer.alloc(64 * 1024, 1));
    while (!stopped && written < 256 * MB) {
      if (!exchange.socket.write(more)) await Promise.race([once(exchange.socket, 'drain').catch(() => {}), exchange.closed]);
      written += more.length;
    }
    const answer = await exchange.answer;
    expect(answer.status).toBe(413);
    expect(answer.headers.connection).toBe('close');
    await exchange.closed;
    // The store read about 1 MB past the cut-off; the rest is what the two sockets' buffers hold.
    expect(written).toBeLessThan(64 * MB);
  });

  it('answers and closes after OKO_STORE_UPLOAD_DISCARD_MS when the client stops sending the rest', async () => {
    const s = await startStore({ OKO_STORE_UPLOAD_DISCARD_MS: '300' });
    const { body, contentType } = formWithFile(3 * MB);
    const exchange = openRawExchange(s, UPLOAD, { 'content-type': contentType, 'content-length': String(body.length) });
    await writeAll(exchange.socket, body.subarray(0, 100 * 1024));
    const answer = await exchange.answer;
    expect(answer.status).toBe(413);
    expect(answer.headers.connection).toBe('close');
    await exchange.closed;
  });

  it('answers at once and closes when the declared body is larger than the discard bound', async () => {
    const s = await startStore({});
    const exchange = openRawExchange(s, UPLOAD, { 'content-type': 'multipart/form-data; boundary=x', 'content-length': String(50 * MB) });
    const answer = await exchange.answer;
    expect(answer.status).toBe(413);
    expect(answer.headers.connection).toBe('close');
    await exchange.closed;
  });
});
