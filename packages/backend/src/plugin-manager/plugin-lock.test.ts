import { describe, expect, it } from 'vitest';
import { PluginLocks } from './plugin-lock.js';

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe('per-plugin lock', () => {
  it('runs operations on one plugin one after the other, in order', async () => {
    const locks = new PluginLocks();
    const log: string[] = [];
    const op = (name: string) =>
      locks.run('p1', async () => {
        log.push(`${name}:start`);
        await tick();
        log.push(`${name}:end`);
      });
    await Promise.all([op('a'), op('b')]);
    expect(log).toEqual(['a:start', 'a:end', 'b:start', 'b:end']);
  });

  it('lets different plugins run at the same time', async () => {
    const locks = new PluginLocks();
    const log: string[] = [];
    const op = (id: string) =>
      locks.run(id, async () => {
        log.push(`${id}:start`);
        await tick();
        log.push(`${id}:end`);
      });
    await Promise.all([op('p1'), op('p2')]);
    expect(log.slice(0, 2).sort()).toEqual(['p1:start', 'p2:start']);
  });

  it('is re-entrant within one call chain and reports busy while held', async () => {
    const locks = new PluginLocks();
    const inner = await locks.run('p1', async () => {
      expect(locks.isBusy('p1')).toBe(true);
      return locks.run('p1', async () => 'nested');
    });
    expect(inner).toBe('nested');
    expect(locks.isBusy('p1')).toBe(false);
  });

  it('releases the lock when the operation throws', async () => {
    const locks = new PluginLocks();
    await expect(
      locks.run('p1', async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    await expect(locks.run('p1', async () => 'after')).resolves.toBe('after');
  });
});
