import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { downloaderKey, InstallCounter, STATS_FILE } from './install-counter.js';
import { JsonReviewRepository, REVIEWS_FILE } from './review-repository.js';

let dir: string;
const log = { error: vi.fn(), warn: vi.fn() } as unknown as FastifyBaseLogger;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'oko-counter-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('install counter', () => {
  it('remembers at most the cap of downloaders per name; past it they count as downloads, instances stay at the cap', async () => {
    const counter = await InstallCounter.open(dir, log, { perName: 3, total: 100 });
    for (const who of ['a', 'b', 'c', 'd', 'e']) counter.record('capped', '1.0.0', downloaderKey(`instance:${who}`));
    counter.record('capped', '1.1.0', downloaderKey('instance:a'));
    expect(counter.statsOf('capped')).toEqual({ downloads: 6, instances: 3 });
    expect(counter.downloadedBy('capped', downloaderKey('instance:a'))).toBe('1.1.0');
    expect(counter.downloadedBy('capped', downloaderKey('instance:e'))).toBeUndefined();
    await counter.close();
  });

  it('remembers at most the total cap of downloaders over all names, so invented instance ids cannot grow it without end', async () => {
    const counter = await InstallCounter.open(dir, log, { perName: 3, total: 4 });
    for (const name of ['one', 'two', 'three']) {
      for (const who of ['a', 'b', 'c']) counter.record(name, '1.0.0', downloaderKey(`instance:${name}-${who}`));
    }
    expect([counter.statsOf('one'), counter.statsOf('two'), counter.statsOf('three')]).toEqual([
      { downloads: 3, instances: 3 },
      { downloads: 3, instances: 1 },
      { downloads: 3, instances: 0 },
    ]);
    // One already remembered still moves to the version it downloaded last.
    counter.record('two', '2.0.0', downloaderKey('instance:two-a'));
    expect(counter.downloadedBy('two', downloaderKey('instance:two-a'))).toBe('2.0.0');
    await counter.close();
    // The count over all names is read back with the file, so a restart does not reopen the room.
    const again = await InstallCounter.open(dir, log, { perName: 3, total: 4 });
    again.record('three', '1.0.0', downloaderKey('instance:late'));
    expect(again.statsOf('three')).toEqual({ downloads: 4, instances: 0 });
    await again.close();
  });

  it('writes only hashes of who downloaded, on close, and reads them back', async () => {
    const counter = await InstallCounter.open(dir, log);
    counter.record('kept', '1.0.0', downloaderKey('instance:kitchen-instance-0000'));
    counter.record('kept', '1.0.0', null);
    await counter.close();
    const text = await readFile(path.join(dir, STATS_FILE), 'utf8');
    expect(text).not.toContain('kitchen');
    const again = await InstallCounter.open(dir, log);
    expect(again.statsOf('kept')).toEqual({ downloads: 2, instances: 1 });
    await again.close();
  });

  it('sets an unusable stats.json aside and counts from zero, logging why', async () => {
    await writeFile(path.join(dir, STATS_FILE), '{"format":1,"plugins":{"x":{"downloads":-4}}}');
    const counter = await InstallCounter.open(dir, log);
    expect(counter.statsOf('x')).toEqual({ downloads: 0, instances: 0 });
    expect((await readdir(dir)).some((name) => name.startsWith(`${STATS_FILE}.broken-`))).toBe(true);
    expect(log.error).toHaveBeenCalled();
    await counter.close();
  });
});

describe('review file', () => {
  it('refuses to start from an unreadable reviews.json rather than read it as no reviews', async () => {
    await writeFile(path.join(dir, REVIEWS_FILE), '{"format":1,"reviews":[{"id":1}]}');
    await expect(JsonReviewRepository.open(dir)).rejects.toThrow(/not a reviews file/);
    await writeFile(path.join(dir, REVIEWS_FILE), '{"format":1,');
    await expect(JsonReviewRepository.open(dir)).rejects.toThrow(/not valid JSON/);
    expect(await readFile(path.join(dir, REVIEWS_FILE), 'utf8')).toBe('{"format":1,');
  });
});
