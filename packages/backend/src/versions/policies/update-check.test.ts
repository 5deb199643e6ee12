import { createError, type UpdateAnswer } from '@oko/shared';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { removeDir, tempDir } from '../../../../../test-support/fixtures.js';
import type { InstalledPlugin } from '../../store-integration/plugin-registry-port.js';
import type { UpdateOptions } from '../ports.js';
import { VersionSettingsStore } from '../version-settings.js';
import type { PublishedVersion } from './store-versions.js';
import { UpdateCheck } from './update-check.js';

// The round's handling of what the update path answers, with the store and the installer faked:
// the refusals of other parts (dependencies, engines) that the in-process tests cannot yet provoke.

let dir: string;
let settings: VersionSettingsStore;
const installed: InstalledPlugin[] = [];
const published = new Map<string, PublishedVersion[]>();
const log = { info: vi.fn(), warn: vi.fn() };

function plugin(id: string, version: string): InstalledPlugin {
  return { id, name: id, version, state: 'discovered', scope: 'external' } as InstalledPlugin;
}

function check(
  update: (ref: string, options?: UpdateOptions) => Promise<UpdateAnswer>,
  versionsOf?: (name: string) => Promise<PublishedVersion[]>,
) {
  return new UpdateCheck({
    plugins: { list: async () => installed },
    settings,
    source: { versionsOf: versionsOf ?? (async (name) => published.get(name) ?? []), permissionsOf: async () => undefined },
    updates: { update },
    log,
  });
}

beforeEach(async () => {
  dir = await tempDir('update-check');
  settings = new VersionSettingsStore(dir);
  installed.length = 0;
  published.clear();
  log.info.mockReset();
  log.warn.mockReset();
});

afterEach(() => removeDir(dir));

describe('UpdateCheck', () => {
  it('skips a plugin whose update is refused for dependencies or engines, and goes on with the others', async () => {
    installed.push(plugin('needs_dep', '1.0.0'), plugin('conflicts', '1.0.0'), plugin('too_new', '1.0.0'), plugin('fine', '1.0.0'));
    for (const item of installed) {
      published.set(item.id, [{ id: `${item.id}-11`, version: '1.1.0' }]);
      await settings.update(item.id, (current) => ({ ...current, update_policy: 'minor' }));
    }
    const refusals: Record<string, Parameters<typeof createError>[0]> = {
      'needs_dep-11': 'DEPENDENCIES_REQUIRED',
      'conflicts-11': 'DEPENDENCY_CONFLICT',
      'too_new-11': 'INCOMPATIBLE',
    };
    const update = vi.fn(async (ref: string, options?: UpdateOptions) => {
      expect(options).toEqual({ automatic: true, expected: { name: ref.split('-')[0], version: expect.any(String) } });
      const code = refusals[ref];
      if (code) throw createError(code, `refused ${ref}`);
      return {} as UpdateAnswer;
    });
    const answer = await check(update).run();
    expect(answer.results.map((r) => [r.name, r.outcome, r.code])).toEqual([
      ['needs_dep', 'skipped', 'DEPENDENCIES_REQUIRED'],
      ['conflicts', 'skipped', 'DEPENDENCY_CONFLICT'],
      ['too_new', 'skipped', 'INCOMPATIBLE'],
      ['fine', 'updated', undefined],
    ]);
    expect(log.warn).toHaveBeenCalledTimes(3);
    // A skip records nothing: the next round tries again.
    expect((await settings.get('needs_dep')).pending_update).toBeUndefined();
  });

  it('runs one round at a time: a second call while one runs gets the same round', async () => {
    installed.push(plugin('slow', '1.0.0'));
    published.set('slow', [{ id: 'slow-2', version: '2.0.0' }]);
    await settings.update('slow', (current) => ({ ...current, update_policy: 'major' }));
    let finish!: () => void;
    const update = vi.fn(() => new Promise<UpdateAnswer>((resolve) => (finish = () => resolve({} as UpdateAnswer))));
    const runner = check(update);
    const first = runner.run();
    const second = runner.run();
    await vi.waitFor(() => expect(update).toHaveBeenCalledTimes(1));
    finish();
    expect(await second).toBe(await first);
    expect(update).toHaveBeenCalledTimes(1);
  });

  it('ends the round quietly when the store is down, logging it once per outage', async () => {
    installed.push(plugin('a_one', '1.0.0'), plugin('b_two', '1.0.0'));
    for (const item of installed) await settings.update(item.id, (current) => ({ ...current, update_policy: 'minor' }));
    let down = true;
    const versionsOf = vi.fn(async (): Promise<PublishedVersion[]> => {
      if (down) throw createError('STORE_UNAVAILABLE', 'Plugin store is unreachable');
      return [];
    });
    const runner = check(async () => ({}) as UpdateAnswer, versionsOf);
    expect(await runner.run()).toMatchObject({ available: false, reason: 'Plugin store is unreachable', results: [] });
    expect(await runner.run()).toMatchObject({ available: false });
    // The round stopped at the first plugin, and the outage was logged once.
    expect(versionsOf).toHaveBeenCalledTimes(2);
    expect(log.warn).toHaveBeenCalledTimes(1);
    down = false;
    expect(await runner.run()).toMatchObject({ available: true });
  });

  it('a failure of one plugin is reported and the round goes on', async () => {
    installed.push(plugin('broken', '1.0.0'), plugin('ok_one', '1.0.0'));
    for (const item of installed) {
      published.set(item.id, [{ id: `${item.id}-2`, version: '2.0.0' }]);
      await settings.update(item.id, (current) => ({ ...current, update_policy: 'major' }));
    }
    const update = async (ref: string) => {
      if (ref === 'broken-2') throw createError('CHECKSUM_MISMATCH', 'bad download');
      return {} as UpdateAnswer;
    };
    expect((await check(update).run()).results.map((r) => [r.name, r.outcome, r.code])).toEqual([
      ['broken', 'failed', 'CHECKSUM_MISMATCH'],
      ['ok_one', 'updated', undefined],
    ]);
  });
  it('does not retry a version the health window rolled back; a newer one is tried', async () => {
    installed.push(plugin('flaky', '1.0.0'));
    published.set('flaky', [{ id: 'flaky-11', version: '1.1.0' }]);
    await settings.update('flaky', (current) => ({
      ...current,
      update_policy: 'minor',
      last_update: {
        from: '1.0.0',
        to: '1.1.0',
        at: new Date().toISOString(),
        result: 'rolled_back',
        reason: 'host died',
        automatic: true,
      },
    }));
    const update = vi.fn(async () => ({}) as UpdateAnswer);
    expect((await check(update).run()).results).toEqual([
      expect.objectContaining({ name: 'flaky', outcome: 'skipped', version: '1.1.0', code: 'ROLLED_BACK' }),
    ]);
    expect(update).not.toHaveBeenCalled();
    published.get('flaky')!.push({ id: 'flaky-12', version: '1.2.0' });
    expect((await check(update).run()).results).toEqual([expect.objectContaining({ outcome: 'updated', version: '1.2.0' })]);
    expect(update).toHaveBeenCalledWith('flaky-12', { automatic: true, expected: { name: 'flaky', version: '1.2.0' } });
  });
});
