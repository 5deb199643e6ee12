import type { LastUpdate } from '@oko/shared';
import { getPlugin } from '../api/plugins.js';
import { showToast } from './toasts.js';

// After an update answers "watching", the backend keeps an eye on the new version for its health
// window and may put the old one back. The person who clicked Update hears how it ended: this
// re-reads the plugin until last_update leaves "watching", then says so once.

/** How often a watched update is re-read. */
export const UPDATE_FOLLOW_MS = 2_000;
/** Give up after this many reads (the window is 30 s by default; far longer is a backend that stopped saying). */
const MAX_READS = 600;

const followed = new Set<string>();

/** The toast for an update that ended. */
export function sayHowItEnded(name: string, last: LastUpdate): void {
  if (last.result === 'rolled_back') {
    showToast(
      `Update of ${name} to v${last.to} was rolled back: ${last.reason ?? 'the new version failed'}. v${last.from} runs again.`,
      'warning',
    );
  } else if (last.result === 'updated') {
    showToast(`${name} v${last.to} passed its health check`, 'success');
  }
}

/**
 * Follows plugin `id`'s update to `to` until it is decided; `settled` runs then (to re-read lists).
 * Following the same plugin twice is one follow.
 */
export function followUpdate(id: string, name: string, to: string, settled?: () => void, intervalMs = UPDATE_FOLLOW_MS): void {
  if (followed.has(id)) return;
  followed.add(id);
  let reads = 0;
  const tick = async () => {
    reads++;
    try {
      const last = (await getPlugin(id)).versions?.last_update;
      if (last && last.to === to && last.result !== 'watching') {
        followed.delete(id);
        sayHowItEnded(name, last);
        settled?.();
        return;
      }
      // Another update replaced this one: it tells its own story.
      if (last && last.to !== to) {
        followed.delete(id);
        return;
      }
    } catch {
      // A read that fails (the backend restarting) is retried on the next tick.
    }
    if (reads < MAX_READS) setTimeout(() => void tick(), intervalMs);
    else followed.delete(id);
  };
  setTimeout(() => void tick(), intervalMs);
}

/**
 * "watching it for N s": the window's length from last_update (watch_until - at, both the
 * backend's clock); from the message ("…; watched for 30 s") of an older backend; else vague.
 */
export function watchingFor(message: string | undefined, last?: { at: string; watch_until?: string }): string {
  const span = last?.watch_until ? Math.round((Date.parse(last.watch_until) - Date.parse(last.at)) / 1000) : NaN;
  const seconds = Number.isFinite(span) && span > 0 ? String(span) : /watched for (\d+) s\b/.exec(message ?? '')?.[1];
  return seconds ? `watching it for ${seconds} s` : 'watching it for a while';
}
