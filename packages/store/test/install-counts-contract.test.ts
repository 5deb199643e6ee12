import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openPgInstalls } from '../src/postgres/pg-install-counter.js';
import {
  DOWNLOADER_LIMITS,
  downloaderKey,
  InstallCounter,
  type DownloaderLimits,
  type InstallCounts,
} from '../src/services/install-counter.js';
import { openReplica, recordingLog, usePostgres } from './pg-helpers.js';

// One contract for where install counts are kept: stats.json and PostgreSQL answer alike once flushed.
const postgres = usePostgres();
const cleanups = postgres.cleanups;

/** Opens counters, and `reopen` opens others on the same data (a restart). */
type Open = (limits?: DownloaderLimits) => Promise<{ counter: InstallCounts; reopen: () => Promise<InstallCounts> }>;

const openJson: Open = async (limits = DOWNLOADER_LIMITS) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'oko-counts-contract-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const open = async () => {
    const counter = await InstallCounter.open(dir, recordingLog().log, limits);
    cleanups.push(() => counter.close());
    return counter;
  };
  return { counter: await open(), reopen: open };
};

const openPg: Open = async (limits = DOWNLOADER_LIMITS) => {
  const url = await postgres.server.createDatabase('installs');
  const open = async () => {
    const replica = await openReplica(url, recordingLog().log);
    const counter = await openPgInstalls(replica.db, replica.feed, recordingLog().log, { limits, reloadMs: 0 });
    cleanups.push(async () => {
      await counter.close();
      await replica.close();
    });
    return counter;
  };
  return { counter: await open(), reopen: open };
};

const who = (name: string) => downloaderKey(`instance:${name}`);

describe.each([
  ['stats.json', openJson],
  ['PostgreSQL', openPg],
])('install counts on %s', (_kind, open) => {
  it('counts every download and each downloader once per name; changes rises with each', async () => {
    const { counter } = await open();
    const before = counter.changes;
    counter.record('alpha', '1.0.0', who('a'));
    counter.record('alpha', '1.0.0', who('a'));
    counter.record('alpha', '1.1.0', who('b'));
    counter.record('alpha', '1.1.0', null);
    counter.record('beta', '2.0.0', who('a'));
    expect(counter.changes).toBeGreaterThanOrEqual(before + 5);
    await counter.flush();
    expect(counter.statsOf('alpha')).toEqual({ downloads: 4, instances: 2 });
    expect(counter.statsOf('beta')).toEqual({ downloads: 1, instances: 1 });
    expect(counter.statsOf('gamma')).toEqual({ downloads: 0, instances: 0 });
    expect(new Set(counter.counted())).toEqual(new Set(['alpha', 'beta']));
  });

  it('knows who downloaded which version last, at once after the download', async () => {
    const { counter } = await open();
    counter.record('alpha', '1.0.0', who('a'));
    expect(await counter.downloadedBy('alpha', who('a'))).toBe('1.0.0');
    counter.record('alpha', '1.2.0', who('a'));
    expect(await counter.downloadedBy('alpha', who('a'))).toBe('1.2.0');
    expect(await counter.downloadedBy('alpha', who('b'))).toBeUndefined();
    expect(await counter.downloadedBy('beta', who('a'))).toBeUndefined();
  });

  it('keeps at most the per-name and total caps of downloaders; past them, downloads only, and downloadedBy does not know them', async () => {
    const { counter, reopen } = await open({ perName: 2, total: 3 });
    for (const name of ['one', 'two']) {
      for (const w of ['a', 'b', 'c']) counter.record(name, '1.0.0', who(`${name}-${w}`));
    }
    // One already kept moves to the version it took last, caps or not.
    counter.record('one', '2.0.0', who('one-a'));
    await counter.flush();
    expect([counter.statsOf('one'), counter.statsOf('two')]).toEqual([
      { downloads: 4, instances: 2 },
      { downloads: 3, instances: 1 },
    ]);
    expect(await counter.downloadedBy('one', who('one-a'))).toBe('2.0.0');
    expect(await counter.downloadedBy('one', who('one-c'))).toBeUndefined();
    expect(await counter.downloadedBy('two', who('two-b'))).toBeUndefined();
    await counter.close();
    // The count over all names is read back, so a restart does not reopen the room.
    const again = await reopen();
    again.record('three', '1.0.0', who('late'));
    await again.flush();
    expect(again.statsOf('three')).toEqual({ downloads: 1, instances: 0 });
  });

  it('keeps its counts across close and reopen', async () => {
    const { counter, reopen } = await open();
    counter.record('kept', '1.0.0', who('a'));
    counter.record('kept', '1.0.0', who('b'));
    counter.record('kept', '1.0.0', null);
    await counter.close();
    const again = await reopen();
    expect(again.statsOf('kept')).toEqual({ downloads: 3, instances: 2 });
    expect(await again.downloadedBy('kept', who('b'))).toBe('1.0.0');
    again.record('kept', '1.1.0', who('a'));
    await again.flush();
    const third = await reopen();
    expect(third.statsOf('kept')).toEqual({ downloads: 4, instances: 2 });
  });
});
