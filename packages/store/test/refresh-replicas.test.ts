import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../../test-support/eventually.js';
import { startPostgres, type PostgresServer } from '../../../test-support/postgres.js';
import { loadConfig } from '../src/config.js';
import { replicaEnv } from './pg-helpers.js';
import { ADMIN } from '../src/services/catalog-record.js';
import { createServices, type StoreServices } from '../src/services/index.js';
import { pluginFiles, startFakeGithub, type FakeGithub } from './fake-github.js';

/*
 * Two replicas of the store (each its own services, pool and timer, as two processes would have)
 * on one PostgreSQL database, refreshing GitHub plugins every second: the advisory lock lets one
 * round run at a time across them. The fake GitHub counts the API requests it answers at once;
 * each round asks it once per tracked plugin, so two at once would be two rounds overlapping.
 */
let pg: PostgresServer;
let github: FakeGithub;
let storage: string;
const replicas: StoreServices[] = [];
const log = Fastify({ logger: false }).log;

beforeAll(async () => {
  pg = await startPostgres();
  github = await startFakeGithub({ 'octo/sched': { main: pluginFiles('sched_probe', '1.0.0') } });
  // PostgreSQL with packages on local disk, the replicas sharing the folder.
  storage = await mkdtemp(path.join(tmpdir(), 'oko-refresh-replicas-'));
  const url = await pg.createDatabase();
  const config = loadConfig({ ...replicaEnv(storage, url, github.apiUrl), OKO_STORE_GITHUB_REFRESH_INTERVAL_S: '1' });
  for (let i = 0; i < 2; i++) replicas.push(await createServices(config, log));
  await replicas[0]!.github.import({ repo_url: `${github.apiUrl}/octo/sched` }, ADMIN);
});

afterAll(async () => {
  for (const services of replicas) {
    await services.refreshSchedule.stop();
    await services.backends.close();
  }
  await github?.close();
  await pg?.stop();
  if (storage) await rm(storage, { recursive: true, force: true });
});

describe('the scheduled GitHub refresh with two replicas on one database', () => {
  it('runs one round at a time: a replica whose turn comes while the other refreshes skips its round', async () => {
    const skipped = () => replicas.reduce((sum, r) => sum + r.refreshSchedule.skipped, 0);
    const before = github.seen.api.length;
    // A slow GitHub: the first round to start stays in its request until released.
    const release = github.hold();
    try {
      for (const services of replicas) services.refreshSchedule.start();
      await eventually(
        () => github.busy.now,
        (n) => n >= 1,
      );
      // The other replica's timer fires twice meanwhile (every second): it finds the lock taken, or (were
      // there no lock) starts a second round, which the fake sees as a second request at once.
      await eventually(
        () => ({ skipped: skipped(), busy: github.busy.now }),
        (seen) => seen.skipped >= 2 || seen.busy >= 2,
      );
      expect(github.busy.now).toBe(1);
    } finally {
      release();
    }
    // Rounds go on, taken by either replica, never two at once.
    await eventually(
      () => github.seen.api.length - before,
      (n) => n >= 4,
    );
    expect(github.busy.max).toBe(1);
    const versions = (await replicas[1]!.catalog.list()).filter((r) => r.name === 'sched_probe').map((r) => r.version);
    expect(versions).toEqual(['1.0.0']);
  });
});
