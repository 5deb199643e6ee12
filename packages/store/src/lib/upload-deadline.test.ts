import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { UploadDeadline } from './upload-deadline.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('the total upload deadline', () => {
  it('fails the wait for the file part with 408 when the deadline passes first', async () => {
    const deadline = new UploadDeadline(1000);
    const waiting = deadline.race(new Promise(() => {}));
    vi.advanceTimersByTime(1000);
    await expect(waiting).rejects.toMatchObject({ code: 'UPLOAD_TIMEOUT', statusCode: 408 });
  });

  it('then fails the file stream with 408, however steadily bytes arrive', async () => {
    const deadline = new UploadDeadline(1000);
    const file = new PassThrough();
    deadline.guard(await deadline.race(Promise.resolve(file)));
    file.on('error', () => {}); // the import's pipeline listens in the store
    file.resume();
    for (let t = 0; t < 900; t += 100) {
      file.write('x');
      vi.advanceTimersByTime(100);
    }
    expect(file.destroyed).toBe(false);
    vi.advanceTimersByTime(100);
    expect(file.destroyed).toBe(true);
    expect(file.errored).toMatchObject({ code: 'UPLOAD_TIMEOUT' });
  });

  it('stops once the file has arrived, so unpacking is not counted', async () => {
    const deadline = new UploadDeadline(1000);
    const file = new PassThrough();
    deadline.guard(file);
    file.resume();
    file.end('all of it');
    await new Promise((resolve) => file.once('end', resolve));
    vi.advanceTimersByTime(5000);
    expect(file.errored).toBeNull();
  });
});
