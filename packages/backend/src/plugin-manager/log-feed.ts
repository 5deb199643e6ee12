import type { LogLevel } from './protocol.js';

export type PluginLogListener = (level: LogLevel, message: string) => void;

/**
 * The log lines of running plugins (ctx.log and what they print), as the backend accepts them
 * under their rate limit, for whoever listens to one plugin (the dev plugins' log stream). A line
 * with no listener costs one map lookup.
 */
export class PluginLogFeed {
  private readonly listeners = new Map<string, Set<PluginLogListener>>();

  /** Calls `listener` with every line of plugin `id` from now on; returns the unsubscribe. */
  subscribe(id: string, listener: PluginLogListener): () => void {
    let set = this.listeners.get(id);
    if (!set) this.listeners.set(id, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.listeners.get(id) === set) this.listeners.delete(id);
    };
  }

  publish(id: string, level: LogLevel, message: string): void {
    const set = this.listeners.get(id);
    if (!set) return;
    // A listener that throws must not cost the plugin its log line, nor the other listeners theirs.
    for (const listener of set) {
      try {
        listener(level, message);
      } catch {
        // the listener's own problem
      }
    }
  }
}
