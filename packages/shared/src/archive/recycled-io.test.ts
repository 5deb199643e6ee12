import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BufferRecycler, recycledReadStream, recyclingFileWriter } from './recycled-io.js';

let work: string;
beforeEach(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'oko-recycle-'));
});
afterEach(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('BufferRecycler', () => {
  it('hands a buffer out again only after all its lent bytes were written', () => {
    const recycler = new BufferRecycler(16);
    const first = recycler.take();
    recycler.lend(first, 10);
    recycler.written(first.subarray(0, 4));
    expect(recycler.take()).not.toBe(first);
    recycler.written(first.subarray(4, 10));
    expect(recycler.take()).toBe(first);
  });

  it('never reuses a buffer whose bytes were copied on the way', () => {
    const recycler = new BufferRecycler(16);
    const buffer = recycler.take();
    recycler.lend(buffer, 16);
    recycler.written(Buffer.from(buffer));
    expect(recycler.take()).not.toBe(buffer);
  });
});

it('copies a file through reused buffers byte for byte, also when a stage holds chunks back', async () => {
  const data = randomBytes(3 * 1024 * 1024 + 123);
  const source = path.join(work, 'in.bin');
  const target = path.join(work, 'out.bin');
  await writeFile(source, data);
  const recycler = new BufferRecycler(64 * 1024);
  // Holds each chunk until the next one arrives: the writer must still see every byte as it was read.
  let held: Buffer | null = null;
  const delay = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      if (held) this.push(held);
      held = chunk;
      callback();
    },
    flush(callback) {
      callback(null, held);
    },
  });
  await pipeline(recycledReadStream(source, recycler), delay, recyclingFileWriter(target, recycler));
  expect((await readFile(target)).equals(data)).toBe(true);
});

it('refuses to overwrite an existing file, as createWriteStream with wx', async () => {
  const source = path.join(work, 'in.bin');
  await writeFile(source, 'x');
  const recycler = new BufferRecycler(1024);
  await expect(pipeline(recycledReadStream(source, recycler), recyclingFileWriter(source, recycler))).rejects.toThrow(/EEXIST/);
});
