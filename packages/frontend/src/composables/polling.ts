import { onBeforeUnmount, onMounted } from 'vue';

/**
 * Calls `task` at mount and then every `intervalMs` while the component lives. A slow answer
 * never stacks a second call on top of it: the next one is scheduled after the last returns.
 */
export function usePolling(task: () => Promise<unknown>, intervalMs: number): { refreshNow: () => Promise<void> } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  let running: Promise<void> | undefined;

  const run = (): Promise<void> => {
    if (running) return running;
    clearTimeout(timer);
    running = task()
      .catch(() => undefined)
      .finally(() => {
        running = undefined;
        if (!stopped) timer = setTimeout(run, intervalMs);
      }) as Promise<void>;
    return running;
  };

  onMounted(() => void run());
  onBeforeUnmount(() => {
    stopped = true;
    clearTimeout(timer);
  });
  return { refreshNow: run };
}
