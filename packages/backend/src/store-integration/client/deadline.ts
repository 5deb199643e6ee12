/**
 * An AbortSignal that fires after `ms` unless pushed back. One timer per call bounds connect and
 * answer together; `reset` turns it into an idle timer for long transfers, so a download that keeps
 * moving is never cut while one that stalls is.
 */
export class Deadline {
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout;
  private ms: number;
  private total: { timer: NodeJS.Timeout; reason: string; expired: boolean } | undefined;

  constructor(ms: number) {
    this.ms = ms;
    this.timer = this.arm();
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Milliseconds of the current bound, for error messages. */
  get currentMs(): number {
    return this.ms;
  }

  /** Restarts the countdown, optionally with a new length. */
  reset(ms = this.ms): void {
    clearTimeout(this.timer);
    this.ms = ms;
    this.timer = this.arm();
  }

  /**
   * A second bound that no reset pushes back: the whole call, however steadily it moves, ends
   * after `ms` with `reason`.
   */
  limitTotal(ms: number, reason: string): void {
    const timer = setTimeout(() => {
      if (this.total) this.total.expired = true;
      clearTimeout(this.timer);
      this.controller.abort(new DOMException(reason, 'TimeoutError'));
    }, ms);
    timer.unref();
    this.total = { timer, reason, expired: false };
  }

  /** True once the limitTotal bound fired. */
  get totalExpired(): boolean {
    return this.total?.expired ?? false;
  }

  get totalReason(): string {
    return this.total?.reason ?? '';
  }

  clear(): void {
    clearTimeout(this.timer);
    if (this.total) clearTimeout(this.total.timer);
  }

  abort(): void {
    this.clear();
    this.controller.abort(new DOMException('The transfer was cancelled', 'AbortError'));
  }

  private arm(): NodeJS.Timeout {
    const timer = setTimeout(() => {
      this.controller.abort(new DOMException(`No answer within ${this.ms} ms`, 'TimeoutError'));
    }, this.ms);
    // A pending store call must not keep a shutting-down backend alive.
    timer.unref();
    return timer;
  }
}
