import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { afterEach, expect, it } from 'vitest';
import { eventually } from '../../../../../test-support/eventually.js';
import type { UploadMessage } from './receive-upload.js';
import { UPLOAD_CHUNK_BYTES, UploadSink } from './upload-sink.js';

const MiB = 1024 * 1024;
const ports: MessagePort[] = [];

afterEach(() => {
  for (const port of ports.splice(0)) port.close();
});

/** A sink whose thread end only collects what is posted and sends a chunk back when told. */
function sinkWithSlowThread(inFlightBytes: number) {
  const { port1, port2 } = new MessageChannel();
  ports.push(port1, port2);
  const arrived: UploadMessage[] = [];
  port2.on('message', (message: UploadMessage) => arrived.push(message));
  const sink = new UploadSink(port1, new Promise(() => {}), inFlightBytes, 64 * 1024);
  const giveBack = () => {
    const chunk = arrived.find((message): message is Uint8Array => typeof message !== 'string' && message.byteLength > 0)!;
    port2.postMessage(chunk, [chunk.buffer as ArrayBuffer]);
  };
  return { sink, arrived, giveBack };
}

it('posts no more than its in-flight bytes to a thread that has not written them, whatever is written to it', async () => {
  const { sink, arrived, giveBack } = sinkWithSlowThread(2 * MiB);
  let accepted = 0;
  // As a socket delivers: 64 KiB at a time, each next one once the last was taken, for 10 MiB.
  const feed = async () => {
    for (let sent = 0; sent < 10 * MiB; sent += 64 * 1024) {
      await new Promise<void>((resolve) => sink.write(Buffer.alloc(64 * 1024, 1), () => resolve()));
      accepted += 64 * 1024;
    }
  };
  void feed();
  await eventually(() => expect(arrived).toHaveLength(2));
  // Two whole chunks wait for the thread: the second filled the in-flight room, so the write that
  // filled it is not taken until the thread sends a chunk back.
  expect(arrived.map((chunk) => (chunk as Uint8Array).byteLength)).toEqual([UPLOAD_CHUNK_BYTES, UPLOAD_CHUNK_BYTES]);
  expect(accepted).toBe(2 * MiB - 64 * 1024);
  giveBack();
  await eventually(() => expect(arrived).toHaveLength(3));
  expect(accepted).toBe(3 * MiB - 64 * 1024);
  // Cut off while it waits: the thread is told, and the waiting write does not hold the sender for ever.
  sink.on('error', () => {});
  sink.destroy(new Error('413'));
  await eventually(() => expect(arrived.at(-1)).toBe('abort'));
  expect(sink.sentAny).toBe(true);
});
