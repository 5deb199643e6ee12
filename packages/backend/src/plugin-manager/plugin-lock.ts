import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * One operation at a time per plugin: callers queue in arrival order. Re-entrant within one
 * async call chain, so an uninstall holding the lock can still call `unload(id)`, which takes it
 * too, without deadlocking.
 */
export class PluginLocks {
  private readonly tails = new Map<string, Promise<void>>();
  private readonly counts = new Map<string, number>();
  private readonly held = new AsyncLocalStorage<ReadonlySet<string>>();

  /** Holding the lock, or waiting for it. */
  isBusy(id: string): boolean {
    return (this.counts.get(id) ?? 0) > 0;
  }

  /** This async call chain holds the lock of `id`. */
  holds(id: string): boolean {
    return this.held.getStore()?.has(id) ?? false;
  }

  /** Every lock this async call chain holds. */
  heldIds(): ReadonlySet<string> {
    return this.held.getStore() ?? new Set();
  }

  async run<T>(id: string, fn: () => Promise<T>): Promise<T> {
    if (this.holds(id)) return fn();
    const previous = this.tails.get(id) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    this.tails.set(
      id,
      previous.then(() => mine),
    );
    this.counts.set(id, (this.counts.get(id) ?? 0) + 1);
    try {
      await previous;
      const held = new Set(this.held.getStore() ?? []).add(id);
      return await this.held.run(held, fn);
    } finally {
      release();
      const left = (this.counts.get(id) ?? 1) - 1;
      if (left === 0) {
        this.counts.delete(id);
        this.tails.delete(id);
      } else this.counts.set(id, left);
    }
  }
}
