import { createError } from '@oko/shared';
import type { FastifyBaseLogger } from 'fastify';
import { describe, expect, it } from 'vitest';
import { CatalogCatchUp } from './catalog-catch-up.js';
import type { CatalogRepository } from './catalog-repository.js';

const log = { debug: () => undefined } as unknown as FastifyBaseLogger;

/** A repository whose refresh() the test finishes by hand, counting how many run at once. */
function slowRefresh() {
  const state = { calls: 0, now: 0, max: 0, finish: [] as (() => void)[], fail: false };
  const repo = {
    async refresh() {
      state.calls++;
      state.max = Math.max(state.max, ++state.now);
      await new Promise<void>((resolve) => state.finish.push(resolve));
      state.now--;
      if (state.fail) throw createError('DATABASE_UNAVAILABLE', 'gone');
    },
  } as unknown as CatalogRepository;
  return { repo, state };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('CatalogCatchUp', () => {
  it('is a no-op on a repository without refresh (the embedded store): the 404 stands without asking anything', async () => {
    const catchUp = new CatalogCatchUp({} as CatalogRepository, log);
    expect(await catchUp.caughtUp()).toBe(false);
    await expect(catchUp.orNotFound(async () => Promise.reject(createError('PLUGIN_NOT_FOUND', 'no')))).rejects.toMatchObject({
      code: 'PLUGIN_NOT_FOUND',
    });
  });

  it('runs one refresh at a time for a flood of 404s: callers join the round that starts after they came', async () => {
    const { repo, state } = slowRefresh();
    const catchUp = new CatalogCatchUp(repo, log);
    const first = catchUp.caughtUp();
    await settle();
    // These came while the first round ran (it may have read the database before their publish): one more round, shared.
    const flood = Array.from({ length: 50 }, () => catchUp.caughtUp());
    await settle();
    expect(state.calls).toBe(1);
    state.finish.shift()!();
    expect(await first).toBe(true);
    await settle();
    expect(state.calls).toBe(2);
    state.finish.shift()!();
    expect(await Promise.all(flood)).toEqual(Array(50).fill(true));
    expect(state.max).toBe(1);
  });

  it('leaves the copy answer standing when the database fails, and asks only on PLUGIN_NOT_FOUND', async () => {
    const { repo, state } = slowRefresh();
    state.fail = true;
    const catchUp = new CatalogCatchUp(repo, log);
    let tries = 0;
    const missing = catchUp.orNotFound(async () => {
      tries++;
      throw createError('PLUGIN_NOT_FOUND', 'no');
    });
    await settle();
    state.finish.shift()!();
    await expect(missing).rejects.toMatchObject({ code: 'PLUGIN_NOT_FOUND' });
    expect(tries).toBe(1);
    await expect(catchUp.orNotFound(async () => Promise.reject(createError('NOT_OWNER', 'x')))).rejects.toMatchObject({
      code: 'NOT_OWNER',
    });
    expect(state.calls).toBe(1);
  });
});
