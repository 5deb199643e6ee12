import { readFile } from 'node:fs/promises';

/**
 * The resident memory of process `pid` in MB, read by the backend from /proc (the process's own
 * figures are plugin code's to fake); undefined where there is no /proc or the process is gone.
 */
export async function residentMb(pid: number): Promise<number | undefined> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => undefined);
  const kb = status && /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
  return kb ? Math.round(Number(kb) / 1024) : undefined;
}

/**
 * Checks the RSS of `pid` every `everyMs` and calls `onOver` once with the reason when it passes
 * `limitMb`: Buffers and other memory outside the V8 heap are not bounded by --max-old-space-size.
 * Returns the function that stops watching.
 */
export function watchMemory(pid: number, limitMb: number, everyMs: number, onOver: (reason: string) => void): () => void {
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    void residentMb(pid)
      .then((used) => {
        if (used === undefined || used <= limitMb) return;
        clearInterval(timer);
        onOver(`used ${used} MB of memory (limit ${limitMb} MB)`);
      })
      .finally(() => (busy = false));
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
