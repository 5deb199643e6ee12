import { describe, expect, it } from 'vitest';
import { eventually } from '../../../../test-support/eventually.js';
import { Leases } from './lease.js';

describe('development plugin leases', () => {
  it('expires a plugin once its time passed and not before; a renewal moves the end', async () => {
    let now = 1_000_000;
    const expired: string[] = [];
    const leases = new Leases(
      async (name) => void expired.push(name),
      () => now,
    );
    try {
      expect(leases.renew('a', 10)).toBe(now + 10_000);
      leases.renew('b', 5);
      now += 6000;
      expect(await leases.expireDue()).toEqual(['b']);
      leases.renew('a', 10);
      now += 9000;
      expect(await leases.expireDue()).toEqual([]);
      expect(await leases.expireDue(now + 1000)).toEqual(['a']);
      expect(expired).toEqual(['b', 'a']);
      expect(leases.endOf('a')).toBeUndefined();
    } finally {
      leases.close();
    }
  });

  it('runs out by itself on the real clock', async () => {
    const expired: string[] = [];
    const leases = new Leases(async (name) => void expired.push(name));
    try {
      // 0 s: the timer fires on the next turns of the event loop.
      leases.renew('soon', 0);
      expect(
        await eventually(
          () => expired,
          (list) => list.length > 0,
        ),
      ).toEqual(['soon']);
    } finally {
      leases.close();
    }
  });
});
