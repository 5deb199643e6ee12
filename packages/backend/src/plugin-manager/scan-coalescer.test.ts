import { describe, expect, it } from 'vitest';
import { ScanCoalescer } from './scan-coalescer.js';

/** A scan function whose calls stay open until the test finishes them, one by one. */
function controlledScans() {
  const calls: { held: string[]; finish: (error?: Error) => void }[] = [];
  const scan = (held: ReadonlySet<string>) =>
    new Promise<void>((resolve, reject) => calls.push({ held: [...held].sort(), finish: (error) => (error ? reject(error) : resolve()) }));
  return { calls, scan };
}

const settled = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('scan coalescer', () => {
  it('starts a scan at once when none is running', async () => {
    const { calls, scan } = controlledScans();
    const done = new ScanCoalescer(scan).request(new Set(['a']));
    expect(calls).toHaveLength(1);
    expect(calls[0]!.held).toEqual(['a']);
    calls[0]!.finish();
    await expect(done).resolves.toBeUndefined();
  });

  it('gives every caller arriving during a scan one shared follow-up scan with all their locks', async () => {
    const { calls, scan } = controlledScans();
    const coalescer = new ScanCoalescer(scan);
    const first = coalescer.request(new Set());
    const waiting = [coalescer.request(new Set(['b'])), coalescer.request(new Set()), coalescer.request(new Set(['a']))];
    expect(waiting[0]).toBe(waiting[1]);
    expect(waiting[1]).toBe(waiting[2]);
    calls[0]!.finish();
    await first;
    await settled();
    expect(calls).toHaveLength(2);
    expect(calls[1]!.held).toEqual(['a', 'b']);
    calls[1]!.finish();
    await Promise.all(waiting);
    expect(calls).toHaveLength(2);
  });

  it('runs the follow-up scan even when the running one fails, and only the failed callers see the error', async () => {
    const { calls, scan } = controlledScans();
    const coalescer = new ScanCoalescer(scan);
    const first = coalescer.request(new Set());
    const next = coalescer.request(new Set());
    calls[0]!.finish(new Error('disk gone'));
    await expect(first).rejects.toThrow('disk gone');
    await settled();
    calls[1]!.finish();
    await expect(next).resolves.toBeUndefined();
  });

  it('starts afresh once everything settled', async () => {
    const { calls, scan } = controlledScans();
    const coalescer = new ScanCoalescer(scan);
    const first = coalescer.request(new Set());
    calls[0]!.finish();
    await first;
    const second = coalescer.request(new Set(['c']));
    expect(calls).toHaveLength(2);
    expect(calls[1]!.held).toEqual(['c']);
    calls[1]!.finish();
    await second;
  });

  it('settles once every scan requested so far has ended, failed ones too', async () => {
    const { calls, scan } = controlledScans();
    const coalescer = new ScanCoalescer(scan);
    await expect(coalescer.settled()).resolves.toBeUndefined();
    const first = coalescer.request(new Set());
    const next = coalescer.request(new Set());
    let done = false;
    const all = coalescer.settled().then(() => (done = true));
    calls[0]!.finish(new Error('disk gone'));
    await expect(first).rejects.toThrow('disk gone');
    await settled();
    expect(done).toBe(false);
    calls[1]!.finish();
    await next;
    await all;
    expect(done).toBe(true);
  });
});
