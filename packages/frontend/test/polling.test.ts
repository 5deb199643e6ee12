import { mount } from '@vue/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { defineComponent } from 'vue';
import { usePolling } from '../src/composables/polling.js';

function mountPolling(task: () => Promise<unknown>, intervalMs: number) {
  return mount(defineComponent({ setup: () => (usePolling(task, intervalMs), () => null) }));
}

describe('usePolling', () => {
  afterEach(() => vi.useRealTimers());

  it('calls at once, never stacks a call on a slow one, and counts the next tick from its answer', async () => {
    vi.useFakeTimers();
    const answers: Array<() => void> = [];
    const task = vi.fn(() => new Promise<void>((resolve) => answers.push(resolve)));
    const wrapper = mountPolling(task, 1_000);
    expect(task).toHaveBeenCalledTimes(1);

    await vi.advanceTimersByTimeAsync(5_000);
    expect(task).toHaveBeenCalledTimes(1);
    answers[0]!();
    await vi.advanceTimersByTimeAsync(999);
    expect(task).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(task).toHaveBeenCalledTimes(2);
    wrapper.unmount();
  });

  it('keeps polling after a failed call and stops when the component goes', async () => {
    vi.useFakeTimers();
    const task = vi.fn(() => Promise.reject(new Error('down')));
    const wrapper = mountPolling(task, 1_000);
    await vi.advanceTimersByTimeAsync(3_000);
    expect(task).toHaveBeenCalledTimes(4);
    wrapper.unmount();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(task).toHaveBeenCalledTimes(4);
  });
});
