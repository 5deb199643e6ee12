import { useTimeoutPoll } from '@vueuse/core';

/**
 * Calls `task` now and then every `intervalMs` while the calling component lives (the first tick
 * is counted from the first call, every later one from the answer before it). A slow answer never
 * stacks a second call on top of it: a tick while a call is out waits for that call. A failed call
 * does not stop the polling.
 */
export function usePolling(task: () => Promise<unknown>, intervalMs: number): void {
  let running: Promise<void> | undefined;
  const run = (): Promise<void> =>
    (running ??= task()
      .then(
        () => undefined,
        () => undefined,
      )
      .finally(() => {
        running = undefined;
      }));
  useTimeoutPoll(run, intervalMs, { immediateCallback: true });
}
