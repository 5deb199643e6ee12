/**
 * A token bucket: up to `perSecond` at once, refilled at `perSecond` a second. Used on both sides
 * of a plugin host: in the host, so a plugin logging in a loop does not flood the thread boundary,
 * and in the backend, which cannot trust the host (plugin code can post on its port directly).
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly perSecond: number,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = perSecond;
    this.last = now();
  }

  /** Takes one token; false when there is none left (the caller drops what it was about to pass on). */
  take(): boolean {
    const now = this.now();
    this.tokens = Math.min(this.perSecond, this.tokens + ((now - this.last) * this.perSecond) / 1000);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/** What was dropped since the last report, reported at most once per `everyMs`. */
export class DropCounter {
  logLines = 0;
  events = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly everyMs: number,
    private readonly report: (logLines: number, events: number) => void,
  ) {}

  add(logLines: number, events: number): void {
    this.logLines += logLines;
    this.events += events;
    // unref: a pending report must not keep a thread alive; flush() covers the end.
    this.timer ??= setTimeout(() => this.flush(), this.everyMs).unref();
  }

  /** Reports what is counted now (if anything) and starts a new period. */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.logLines === 0 && this.events === 0) return;
    const { logLines, events } = this;
    this.logLines = 0;
    this.events = 0;
    this.report(logLines, events);
  }
}
