import type { FastifyBaseLogger } from 'fastify';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { GithubRefresher } from './github-refresh.js';
import { GithubRefreshSchedule } from './github-refresh-schedule.js';

const DAY_MS = 24 * 60 * 60 * 1000;

afterEach(() => {
  vi.useRealTimers();
});

function counting() {
  const rounds = { count: 0 };
  const refresher = {
    trackedPlugins: async () => {
      rounds.count++;
      return [];
    },
    refreshEach: async () => [],
  } as unknown as GithubRefresher;
  const log = { info: () => {}, error: () => {} } as unknown as FastifyBaseLogger;
  return { rounds, refresher, log };
}

describe('GithubRefreshSchedule', () => {
  it('waits the whole interval even past the 24.8 days a Node timer can hold (a longer delay fires at once)', async () => {
    vi.useFakeTimers();
    const { rounds, refresher, log } = counting();
    const schedule = new GithubRefreshSchedule(refresher, 30 * DAY_MS, log);
    schedule.start();
    await vi.advanceTimersByTimeAsync(1000);
    expect(rounds.count).toBe(0);
    await vi.advanceTimersByTimeAsync(29 * DAY_MS);
    expect(rounds.count).toBe(0);
    await vi.advanceTimersByTimeAsync(DAY_MS);
    expect(rounds.count).toBe(1);
    // The next round is timed from the end of this one (at 30 days; the clock is 1 s past it).
    await vi.advanceTimersByTimeAsync(30 * DAY_MS - 2000);
    expect(rounds.count).toBe(1);
    await vi.advanceTimersByTimeAsync(1000);
    expect(rounds.count).toBe(2);
    await schedule.stop();
  });
});
