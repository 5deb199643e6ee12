import { describe, expect, it } from 'vitest';
import { ProgressLine } from './progress.js';

const stream = (isTTY: boolean) => {
  const writes: string[] = [];
  return { writes, isTTY, write: (text: string) => writes.push(text) };
};

describe('ProgressLine', () => {
  it('prints a whole line at each quarter when stderr is not a terminal', () => {
    const out = stream(false);
    const bar = new ProgressLine('uploading x 1.0.0', 4096, out);
    for (const done of [0, 512, 1024, 1500, 2048, 4096]) bar.update(done);
    bar.finish();
    expect(out.writes).toEqual([
      'uploading x 1.0.0: 0% (0 B of 4.0 KiB)\n',
      'uploading x 1.0.0: 25% (1.0 KiB of 4.0 KiB)\n',
      'uploading x 1.0.0: 50% (2.0 KiB of 4.0 KiB)\n',
      'uploading x 1.0.0: 100% (4.0 KiB of 4.0 KiB)\n',
    ]);
  });

  it('redraws one line in place on a terminal and ends it on finish', () => {
    const out = stream(true);
    const bar = new ProgressLine('uploading x 1.0.0', 2048, out);
    bar.update(0);
    bar.update(1024); // within 100 ms of the last draw: skipped
    bar.update(2048); // the end is always drawn
    bar.finish();
    expect(out.writes).toEqual([
      '\ruploading x 1.0.0: 0% (0 B of 2.0 KiB)\x1b[K',
      '\ruploading x 1.0.0: 100% (2.0 KiB of 2.0 KiB)\x1b[K',
      '\n',
    ]);
  });
});
