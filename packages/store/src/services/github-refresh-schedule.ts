import type { FastifyBaseLogger } from 'fastify';
import type { GithubRefresher, RefreshReport } from './github-refresh.js';

/** The longest delay setTimeout honours (2^31 - 1 ms, about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * OKO_STORE_GITHUB_REFRESH_INTERVAL_S: refreshes every tracked plugin, one after the other, as its
 * owner. The next round is timed from the end of the last one, so two rounds never overlap however
 * slow GitHub is. The timer never keeps the process alive; stop() waits for a round in progress,
 * which ends after the refresh it is in.
 */
export class GithubRefreshSchedule {
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<RefreshReport[]> | undefined;
  private stopped = true;

  constructor(
    private readonly refresher: GithubRefresher,
    private readonly intervalMs: number,
    private readonly log: FastifyBaseLogger,
  ) {}

  start(): void {
    if (this.intervalMs <= 0 || !this.stopped) return;
    this.stopped = false;
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.round?.catch(() => undefined);
  }

  /** One round now (also what the timer runs); a round already running is joined, not doubled. */
  runRound(): Promise<RefreshReport[]> {
    this.round ??= this.refreshAll().finally(() => {
      this.round = undefined;
    });
    return this.round;
  }

  private schedule(): void {
    if (!this.stopped) this.arm(Date.now() + this.intervalMs);
  }

  /** Node fires a timer of more than MAX_TIMER_MS at once (every ms, for a monthly interval): a long wait is cut in pieces. */
  private arm(due: number): void {
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        if (this.stopped) return;
        if (Date.now() < due) return this.arm(due);
        void this.runRound().finally(() => this.schedule());
      },
      Math.min(Math.max(due - Date.now(), 0), MAX_TIMER_MS),
    );
    this.timer.unref();
  }

  private async refreshAll(): Promise<RefreshReport[]> {
    try {
      const names = (await this.refresher.trackedPlugins()).map((r) => r.name);
      const reports = await this.refresher.refreshEach(names, () => this.stopped);
      const published = reports.filter((r) => r.status === 'published');
      const failed = reports.filter((r) => r.status === 'failed').length;
      if (published.length > 0 || failed > 0) {
        this.log.info(
          { published: published.map((r) => `${r.name}@${r.version}`), failed, checked: reports.length },
          'scheduled GitHub refresh',
        );
      }
      return reports;
    } catch (error) {
      // The catalog list itself failed: log it and keep the schedule, the next round tries again.
      this.log.error({ err: error }, 'scheduled GitHub refresh could not list the tracked plugins');
      return [];
    }
  }
}
