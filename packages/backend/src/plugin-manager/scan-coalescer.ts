/**
 * Makes concurrent rescans share scans. An answer must reflect the disk as it was at the call,
 * and a scan already running may have read it earlier, so every caller arriving during one
 * shares a single follow-up scan instead of each queueing their own: at most one scan runs and
 * at most one waits, however many callers there are.
 *
 * `held` is the set of plugin locks a caller holds: the scan may update those plugins although
 * they are busy, since the one holding their lock is waiting on it. A shared follow-up scan gets
 * the locks of all its callers.
 */
export class ScanCoalescer {
  private running: Promise<void> | null = null;
  private queued: { done: Promise<void>; held: Set<string> } | null = null;

  constructor(private readonly scan: (held: ReadonlySet<string>) => Promise<void>) {}

  request(held: ReadonlySet<string>): Promise<void> {
    if (this.queued) {
      for (const id of held) this.queued.held.add(id);
      return this.queued.done;
    }
    if (!this.running) return this.start(new Set(held));
    const queued = { held: new Set(held), done: Promise.resolve() };
    queued.done = this.running.then(settle, settle).then(() => {
      this.queued = null;
      return this.start(queued.held);
    });
    this.queued = queued;
    return queued.done;
  }

  /** Resolves once every scan requested so far has ended, whatever its outcome. */
  settled(): Promise<void> {
    const last = this.queued?.done ?? this.running;
    return last ? last.then(settle, settle) : Promise.resolve();
  }

  private start(held: ReadonlySet<string>): Promise<void> {
    const running = this.scan(held).finally(() => {
      if (this.running === running) this.running = null;
    });
    this.running = running;
    return running;
  }
}

function settle(): void {}
