import type { FastifyBaseLogger } from 'fastify';
import type { GithubRefresher, RefreshReport } from './github-refresh.js';

/** The longest delay setTimeout honours (2^31 - 1 ms, about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Runs a round's work unless another replica is running one, and says whether it ran: in
 * PostgreSQL mode `runExclusive(db, LOCKS.githubRefresh, work)` (an advisory lock); the embedded
 * store, which is one process, runs every round.
 */
export type ExclusiveRunner = (work: () => Promise<void>) => Promise<boolean>;
const alone: ExclusiveRunner = async (work) => (await work(), true);

/**
 * OKO_STORE_GITHUB_REFRESH_INTERVAL_S: refreshes every tracked plugin, one after the other, as its
 * owner. The next round is timed from the end of the last one, so two rounds never overlap however
 * slow GitHub is. The timer never keeps the process alive; stop() waits for a round in progress,
 * which ends after the refresh it is in. With several replicas each keeps its own timer, and a
 * round whose turn comes while another replica's round runs is skipped (`skipped` counts them):
 * two replicas never refresh at once, and a replica that dies mid-round frees the lock with its
 * connection.
 */
export class GithubRefreshSchedule {
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<RefreshReport[]> | undefined;
  private stopped = true;
  /** Rounds not run because another replica's round held the lock. */
  skipped = 0;

  constructor(
    private readonly refresher: GithubRefresher,
    private readonly intervalMs: number,
    private readonly log: FastifyBaseLogger,
    private readonly exclusive: ExclusiveRunner = alone,
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

  /**
   * One round now (also what the timer runs); a round already running here is joined, not doubled,
   * and one running on another replica makes this one a no-op (an empty report).
   */
  runRound(): Promise<RefreshReport[]> {
    this.round ??= this.refreshAlone().finally(() => {
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

  private async refreshAlone(): Promise<RefreshReport[]> {
    let reports: RefreshReport[] = [];
    try {
      const ran = await this.exclusive(async () => {
        reports = await this.refreshAll();
      });
      if (!ran) {
        this.skipped++;
        this.log.debug('scheduled GitHub refresh skipped: another replica is running a round');
      }
    } catch (error) {
      // The lock itself could not be taken (the database is down): the next round tries again.
      this.log.error({ err: error }, 'scheduled GitHub refresh could not take its lock');
    }
    return reports;
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
