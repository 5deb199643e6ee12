import { isOkoError } from '@oko/shared';
import type { FastifyBaseLogger } from 'fastify';
import type { CatalogRepository } from './catalog-repository.js';

/** How long a "not found" waits for the database before the copy's answer stands. */
const CATCH_UP_TIMEOUT_MS = 1000;

/**
 * Before this replica answers "no such plugin" from its copy: another replica may have published
 * it a moment ago, and its notification may still be on the way (README, Several replicas). So the
 * copy is brought up to date once (CatalogRepository.refresh, PostgreSQL only) and the question
 * asked again. Refreshes run one at a time: a caller joins the round that starts after it came, so
 * a flood of 404s costs the database one small query at a time, not one each. A database that does
 * not answer within a second leaves the copy's answer standing (reads go on without it).
 */
export class CatalogCatchUp {
  private running: Promise<void> | null = null;
  private queued: Promise<void> | null = null;

  constructor(
    private readonly catalog: CatalogRepository,
    private readonly log: FastifyBaseLogger,
  ) {}

  /** True once the copy includes every change committed before the call; false on the embedded store or without the database. */
  async caughtUp(): Promise<boolean> {
    if (!this.catalog.refresh) return false;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), CATCH_UP_TIMEOUT_MS);
    });
    const round = this.nextRound().then(
      () => true,
      (error: unknown) => {
        this.log.debug({ err: error }, 'catalog catch-up before a not-found answer failed; the copy answers');
        return false;
      },
    );
    try {
      return await Promise.race([round, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Runs `find` on the copy; when it answers PLUGIN_NOT_FOUND, once more after catching up. */
  async orNotFound<T>(find: () => Promise<T>): Promise<T> {
    try {
      return await find();
    } catch (error) {
      if (!isOkoError(error) || error.code !== 'PLUGIN_NOT_FOUND' || !(await this.caughtUp())) throw error;
      return find();
    }
  }

  /** A refresh that starts after this call: the running one may have read the database before the caller's publish. */
  private nextRound(): Promise<void> {
    if (this.queued) return this.queued;
    if (!this.running) return this.start();
    const queued = this.running
      .catch(() => undefined)
      .then(() => {
        this.queued = null;
        return this.start();
      });
    this.queued = queued;
    return queued;
  }

  private start(): Promise<void> {
    const run = this.catalog.refresh!().finally(() => {
      if (this.running === run) this.running = null;
    });
    this.running = run;
    return run;
  }
}
