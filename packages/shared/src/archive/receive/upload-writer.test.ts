import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { eventually } from '../../../../../test-support/eventually.js';
import { UploadWriter, type UploadProgress } from './upload-writer.js';

let work: string;
const ports: MessagePort[] = [];

beforeEach(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'oko-writer-'));
});
afterEach(async () => {
  for (const port of ports.splice(0)) port.close();
  await rm(work, { recursive: true, force: true });
});

/** A writer whose thread end only records what it is told, and the file size at that moment. */
function writerWithListener(name = 'plugin.zip') {
  const { port1, port2 } = new MessageChannel();
  ports.push(port1, port2);
  const file = path.join(work, name);
  const told: Array<{ message: UploadProgress; size: number }> = [];
  port2.on('message', (message: UploadProgress) => {
    void stat(file).then(
      ({ size }) => told.push({ message, size }),
      () => told.push({ message, size: -1 }),
    );
  });
  const writer = new UploadWriter(file, port1, new Promise(() => {}), 64 * 1024);
  return { writer, told, file };
}

it('tells how much of the file is written only once it is on disk, then its end with the total', async () => {
  const { writer, told, file } = writerWithListener();
  expect(writer.toldAny).toBe(false);
  for (let i = 0; i < 3; i++) await new Promise<void>((resolve) => writer.write(Buffer.alloc(100_000, i), () => resolve()));
  await new Promise<void>((resolve) => writer.end(resolve));
  await eventually(() => expect(told.at(-1)?.message).toEqual({ end: 300_000 }));
  expect(writer.toldAny).toBe(true);
  for (const { message, size } of told) {
    const bytes = typeof message === 'object' ? ('written' in message ? message.written : message.end) : NaN;
    expect(size).toBeGreaterThanOrEqual(bytes);
  }
  expect((await stat(file)).size).toBe(300_000);
});

it('tells the thread to stop when cut off before its end, and not after it', async () => {
  const { writer, told } = writerWithListener();
  writer.on('error', () => {});
  await new Promise<void>((resolve) => writer.write(Buffer.alloc(1000), () => resolve()));
  writer.destroy(new Error('413'));
  await eventually(() => expect(told.map(({ message }) => message)).toEqual([{ written: 1000 }, 'abort']));

  const done = writerWithListener('other.zip');
  await new Promise<void>((resolve) => done.writer.end(Buffer.alloc(10), resolve));
  done.writer.destroy();
  await eventually(() => expect(done.told.at(-1)?.message).toEqual({ end: 10 }));
  expect(done.told.map(({ message }) => message)).not.toContain('abort');
});

it('fails with a coded error when its own side fails without a code, which the route would otherwise answer 400', async () => {
  const { port1, port2 } = new MessageChannel();
  ports.push(port1, port2);
  const bug = new TypeError('the thread tripped over its own state');
  const writer = new UploadWriter(path.join(work, 'plugin.zip'), port1, Promise.reject(bug), 64 * 1024);
  const failure = await new Promise<Error>((resolve) => writer.once('error', resolve));
  expect(failure).toMatchObject({ code: 'INTERNAL_ERROR', statusCode: 500, cause: bug });
});

it('keeps the code of a file-system error', async () => {
  const { port1, port2 } = new MessageChannel();
  ports.push(port1, port2);
  const writer = new UploadWriter(path.join(work, 'no-such-folder', 'plugin.zip'), port1, new Promise(() => {}), 64 * 1024);
  writer.write(Buffer.alloc(10));
  const failure = await new Promise<Error>((resolve) => writer.once('error', resolve));
  expect(failure).toMatchObject({ code: 'ENOENT' });
});
