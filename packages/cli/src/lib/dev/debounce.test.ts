import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SerialDebouncer } from './debounce.js';

describe('SerialDebouncer', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('runs once for a burst of triggers, after the burst has been quiet for the delay', async () => {
    const task = vi.fn(async () => {});
    const debouncer = new SerialDebouncer(100, task);
    for (let i = 0; i < 5; i++) {
      debouncer.trigger();
      await vi.advanceTimersByTimeAsync(50);
    }
    expect(task).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(100);
    expect(task).toHaveBeenCalledTimes(1);
  });

  it('a trigger during a run starts exactly one more run after it, never two at once', async () => {
    let release!: () => void;
    let running = 0;
    let most = 0;
    const task = vi.fn(async () => {
      running++;
      most = Math.max(most, running);
      await new Promise<void>((resolve) => (release = resolve));
      running--;
    });
    const debouncer = new SerialDebouncer(100, task);
    debouncer.trigger();
    await vi.advanceTimersByTimeAsync(100);
    expect(task).toHaveBeenCalledTimes(1);
    debouncer.trigger();
    debouncer.trigger();
    await vi.advanceTimersByTimeAsync(500);
    expect(task).toHaveBeenCalledTimes(1);
    release();
    await vi.advanceTimersByTimeAsync(100);
    expect(task).toHaveBeenCalledTimes(2);
    release();
    await debouncer.idle();
    expect(most).toBe(1);
  });

  it('stop() cancels a waiting run and ignores later triggers', async () => {
    const task = vi.fn(async () => {});
    const debouncer = new SerialDebouncer(100, task);
    debouncer.trigger();
    debouncer.stop();
    debouncer.trigger();
    await vi.advanceTimersByTimeAsync(1000);
    expect(task).not.toHaveBeenCalled();
  });
});
