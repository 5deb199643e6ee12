/**
 * The leases of the development plugins: each push and each renewal holds a plugin for `seconds`
 * more; when a lease runs out, `onExpire` removes the plugin. This is what makes a CLI killed with
 * -9 leave nothing behind. The clock is injectable, and expireDue() takes a time, so a test moves
 * time instead of waiting for it.
 */
export class Leases {
  private readonly ends = new Map<string, number>();
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly onExpire: (name: string) => Promise<void>,
    private readonly now: () => number = Date.now,
  ) {}

  /** Holds `name` for `seconds` from now; returns the end as epoch milliseconds. */
  renew(name: string, seconds: number): number {
    const end = this.now() + seconds * 1000;
    this.ends.set(name, end);
    clearTimeout(this.timers.get(name));
    // Fires at the end (a renewal in between reschedules it); unref: a lease never keeps the process alive.
    const timer = setTimeout(() => void this.expireDue(), Math.max(0, end - this.now()) + 5);
    timer.unref();
    this.timers.set(name, timer);
    return end;
  }

  endOf(name: string): number | undefined {
    return this.ends.get(name);
  }

  drop(name: string): void {
    clearTimeout(this.timers.get(name));
    this.timers.delete(name);
    this.ends.delete(name);
  }

  /** Removes every plugin whose lease ended by `at` (default: now); resolves once they are gone. */
  async expireDue(at = this.now()): Promise<string[]> {
    const due = [...this.ends].filter(([, end]) => end <= at).map(([name]) => name);
    for (const name of due) this.drop(name);
    await Promise.all(due.map((name) => this.onExpire(name)));
    return due;
  }

  close(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    this.ends.clear();
  }
}
