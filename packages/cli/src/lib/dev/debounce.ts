/**
 * Runs `task` once a burst of triggers has been quiet for `delayMs`, and never twice at once: a
 * trigger while the task runs starts one more run after it ends. An editor's save is several
 * events (write, rename, chmod), and a build writes many files; each burst becomes one run, and a
 * save during a run is not lost.
 */
export class SerialDebouncer {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;

  constructor(
    private readonly delayMs: number,
    private readonly task: () => Promise<void>,
  ) {}

  trigger(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.fire(), this.delayMs);
  }

  /** Resolves when no run is in progress or waiting (for tests and for a clean stop). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private fire(): void {
    this.timer = undefined;
    this.running = (async () => {
      try {
        await this.task();
      } finally {
        this.running = undefined;
        // Quiet again before the next run: the triggers that came meanwhile may be a burst too.
        if (this.again) {
          this.again = false;
          this.trigger();
        }
      }
    })();
  }
}
