import { createError, isOkoError } from '@oko/shared';
import type { FastifyBaseLogger } from 'fastify';
import semver from 'semver';
import { ADMIN, type CatalogRecord, type Owner } from './catalog-record.js';
import { assertOwner, type CatalogRepository } from './catalog-repository.js';
import type { GithubImporter } from './github-importer.js';
import type { PublisherRepository } from './publisher-repository.js';

export type RefreshStatus = 'published' | 'unchanged';

export interface RefreshOutcome {
  status: RefreshStatus;
  record: CatalogRecord;
}

/** What a refresh of one name gave, for a round of several (schedule, webhook): never thrown. */
export interface RefreshReport {
  name: string;
  status: RefreshStatus | 'failed';
  version?: string;
  error?: { code: string; message: string };
}

/** Newest first: semver order, then the later import (two records of one version cannot exist, but stay total). */
function newestFirst(a: CatalogRecord, b: CatalogRecord): number {
  const byVersion = semver.valid(a.version) && semver.valid(b.version) ? semver.rcompare(a.version, b.version) : 0;
  return byVersion !== 0 ? byVersion : b.created_at.localeCompare(a.created_at);
}

function fromGithub(record: CatalogRecord): boolean {
  return record.source === 'github' && typeof record.source_url === 'string' && record.source_url !== '';
}

/**
 * Re-imports GitHub plugins from the source their newest GitHub record remembers (repository,
 * branch, subdirectory). Refreshes of one name run one at a time, whoever asks (route, schedule,
 * webhook); the catalog lookups are written here over CatalogRepository.list().
 */
export class GithubRefresher {
  private readonly running = new Map<string, Promise<unknown>>();
  /**
   * Per name, the unattended refresh (schedule, webhook) queued behind the one running, if any: any
   * later request joins it, so a flood or replay of signed deliveries costs at most one download
   * running and one waiting, and never a queue without bound.
   */
  private readonly waiting = new Map<string, Promise<RefreshReport>>();

  constructor(
    private readonly catalog: CatalogRepository,
    private readonly importer: GithubImporter,
    private readonly log: FastifyBaseLogger,
    private readonly publishers: Pick<PublisherRepository, 'list'>,
  ) {}

  /** The record a refresh of `name` re-imports: its newest version that came from GitHub. */
  async trackedRecord(name: string): Promise<CatalogRecord> {
    const named = async () => (await this.catalog.list()).filter((r) => r.name === name);
    let records = await named();
    if (!records.some(fromGithub) && this.catalog.refresh) {
      await this.catalog.refresh(); // imported (that version, or the name) through another replica a moment ago?
      records = await named();
    }
    if (records.length === 0) throw createError('PLUGIN_NOT_FOUND', `Plugin '${name}' is not in the catalog`);
    const tracked = records.filter(fromGithub).sort(newestFirst)[0];
    if (!tracked) {
      throw createError(
        'NOT_TRACKED',
        `Plugin '${name}' was never imported from GitHub: only plugins imported with POST /plugins/upload/github can be refreshed`,
      );
    }
    return tracked;
  }

  /** Every tracked name with the record its refresh uses. */
  async trackedPlugins(): Promise<CatalogRecord[]> {
    const byName = new Map<string, CatalogRecord>();
    for (const record of (await this.catalog.list()).filter(fromGithub)) {
      const known = byName.get(record.name);
      if (!known || newestFirst(record, known) < 0) byName.set(record.name, record);
    }
    return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  /** `by` must own the name or be the admin, as for publishing a new version of it. */
  async refresh(name: string, by: Owner): Promise<RefreshOutcome> {
    return this.oneAtATime(name, () => this.refreshNow(name, by));
  }

  private async refreshNow(name: string, by: Owner): Promise<RefreshOutcome> {
    const tracked = await this.trackedRecord(name);
    assertOwner(await this.catalog.ownerOf(name), by, name, 'refresh it');
    const outcome = await this.importer.refresh(tracked, by);
    this.log.info({ plugin: name, status: outcome.status, version: outcome.record.version }, 'GitHub refresh');
    return outcome;
  }

  /**
   * Refreshes as the name's owner (schedule, webhook: nobody asked in person); a failure is reported,
   * not thrown. Joins the refresh of `name` already waiting to run, if one is.
   */
  refreshAsOwner(name: string): Promise<RefreshReport> {
    const queued = this.waiting.get(name);
    if (queued) return queued;
    const report = this.oneAtATime(name, async () => {
      // Running now: a request from here on needs a refresh of its own (the repository may have changed since this one's download).
      if (this.waiting.get(name) === report) this.waiting.delete(name);
      return this.refreshNow(name, await this.liveOwner(name));
    }).then(
      ({ status, record }): RefreshReport => ({ name, status, version: record.version }),
      (error: unknown) => this.failed(name, error),
    );
    this.waiting.set(name, report);
    return report;
  }

  /**
   * Whom an unattended refresh acts as: the name's owner while its token is live. A revoked owner
   * keeps the name but publishes nothing more (README "Publishers"), GitHub pushes included.
   */
  private async liveOwner(name: string): Promise<Owner> {
    const owner = (await this.catalog.ownerOf(name)) ?? ADMIN;
    if (owner.id === ADMIN.id || (await this.publishers.list()).some((p) => p.id === owner.id)) return owner;
    throw createError(
      'NOT_OWNER',
      `Plugin name '${name}' belongs to publisher '${owner.name}', whose token was revoked: only the store admin refreshes it now`,
      { details: { owner: owner.name } },
    );
  }

  private failed(name: string, error: unknown): RefreshReport {
    const code = isOkoError(error) ? error.code : 'INTERNAL_ERROR';
    const message = error instanceof Error ? error.message : String(error);
    this.log.warn({ err: error, plugin: name }, 'GitHub refresh failed');
    return { name, status: 'failed', error: { code, message } };
  }

  /** One name after the other, so a round never downloads two repositories at once. */
  async refreshEach(names: readonly string[], shouldStop: () => boolean = () => false): Promise<RefreshReport[]> {
    const reports: RefreshReport[] = [];
    for (const name of names) {
      if (shouldStop()) break;
      reports.push(await this.refreshAsOwner(name));
    }
    return reports;
  }

  private async oneAtATime<T>(name: string, work: () => Promise<T>): Promise<T> {
    const before = this.running.get(name) ?? Promise.resolve();
    const mine = before.catch(() => undefined).then(work);
    const settled = mine.catch(() => undefined);
    this.running.set(name, settled);
    try {
      return await mine;
    } finally {
      if (this.running.get(name) === settled) this.running.delete(name);
    }
  }
}
