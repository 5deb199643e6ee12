import { afterEach, describe, expect, it, vi } from 'vitest';
import { DropCounter, TokenBucket } from './rate-limit.js';

describe('TokenBucket', () => {
  it('passes a burst of perSecond, then refills at perSecond a second', () => {
    let now = 0;
    const bucket = new TokenBucket(10, () => now);
    const passed = (n: number) => Array.from({ length: n }, () => bucket.take()).filter(Boolean).length;
    expect(passed(1000)).toBe(10);
    now += 500;
    expect(passed(1000)).toBe(5);
    now += 10_000;
    // never more than one burst, however long it was idle
    expect(passed(1000)).toBe(10);
  });
});

describe('DropCounter', () => {
  afterEach(() => vi.useRealTimers());

  it('reports the counts once per period and nothing when nothing was dropped', () => {
    vi.useFakeTimers();
    const reports: Array<[number, number]> = [];
    const counter = new DropCounter(1000, (logs, events) => reports.push([logs, events]));
    for (let i = 0; i < 500; i++) counter.add(1, 0);
    counter.add(0, 7);
    expect(reports).toEqual([]);
    vi.advanceTimersByTime(1000);
    expect(reports).toEqual([[500, 7]]);
    vi.advanceTimersByTime(5000);
    counter.flush();
    expect(reports).toEqual([[500, 7]]);
  });

  it('flush() reports at once what is pending', () => {
    vi.useFakeTimers();
    const reports: Array<[number, number]> = [];
    const counter = new DropCounter(1000, (logs, events) => reports.push([logs, events]));
    counter.add(3, 4);
    counter.flush();
    expect(reports).toEqual([[3, 4]]);
    vi.advanceTimersByTime(2000);
    expect(reports).toEqual([[3, 4]]);
  });
});
