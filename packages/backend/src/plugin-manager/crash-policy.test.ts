import { describe, expect, it } from 'vitest';
import { crashOutcome, recentDeaths, windowInWords, type CrashPolicy } from './crash-policy.js';

const policy: CrashPolicy = { backoffMs: 1000, windowS: 600, limit: 3 };

describe('crash policy', () => {
  it('restarts after the first and second death, doubling the wait, and says which restart it is', () => {
    expect(crashOutcome(1, policy, 'exit 1')).toEqual({ kind: 'restart', delayMs: 1000, status: 'restart 1 of 3' });
    expect(crashOutcome(2, policy, 'exit 1')).toEqual({ kind: 'restart', delayMs: 2000, status: 'restart 2 of 3' });
  });

  it('quarantines at the third death in the window, naming the window in words and the last crash', () => {
    expect(crashOutcome(3, policy, 'host exited with code 1')).toEqual({
      kind: 'quarantine',
      reason: 'quarantined after 3 crashes in 10 min; last crash: host exited with code 1',
    });
    expect(crashOutcome(1, { ...policy, limit: 1, windowS: 45 }, 'oom')).toEqual({
      kind: 'quarantine',
      reason: 'quarantined after 1 crash in 45 s; last crash: oom',
    });
  });

  it('counts only the deaths inside the window', () => {
    const now = 1_000_000;
    expect(recentDeaths([now - 600_000, now - 599_999, now - 1], now, policy)).toEqual([now - 599_999, now - 1]);
    expect(recentDeaths(undefined, now, policy)).toEqual([]);
    // a clock set back leaves no death "in the future" counting forever
    expect(recentDeaths([now + 5000], now, policy)).toEqual([]);
  });

  it('says the window as the setting gives it', () => {
    expect(windowInWords(600)).toBe('10 min');
    expect(windowInWords(7200)).toBe('2 h');
    expect(windowInWords(90)).toBe('90 s');
  });
});
