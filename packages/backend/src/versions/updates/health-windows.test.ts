import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { removeDir, tempDir } from '../../../../../test-support/fixtures.js';
import { VersionSettingsStore } from '../version-settings.js';
import { HealthWindows, type WatchedUpdate } from './health-windows.js';

let root: string;
let settings: VersionSettingsStore;
const held = { network: [], listen: false, env: [], read: [] };
const watching = { from: '1.0.0', to: '1.1.0', at: '2026-01-01T00:00:00.000Z', result: 'watching' as const };

beforeEach(async () => {
  root = await tempDir('health-windows');
  settings = new VersionSettingsStore(root);
});
afterEach(() => removeDir(root));

describe('HealthWindows', () => {
  it('claims a death only inside an open window, and rolls back once', async () => {
    const windows = new HealthWindows(settings, 600);
    const rolledBack: Array<[WatchedUpdate, string]> = [];
    windows.rollBack = async (update, reason) => void rolledBack.push([update, reason]);
    expect(windows.claimDeath('plug', 'exit 1')).toBe(false);
    await windows.watch({ name: 'plug', last: watching, held });
    expect((await settings.get('plug')).last_update).toEqual(watching);
    expect(windows.claimDeath('other', 'exit 1')).toBe(false);
    expect(windows.claimDeath('plug', 'exit 1')).toBe(true);
    expect(windows.claimDeath('plug', 'exit 1')).toBe(false);
    await windows.settled();
    expect(rolledBack).toHaveLength(1);
    expect(rolledBack[0]![1]).toContain('exit 1');
    await windows.close();
  });

  it('an explicit operation ends the window: a later death counts as a crash', async () => {
    const windows = new HealthWindows(settings, 600);
    await windows.watch({ name: 'plug', last: watching, held });
    windows.cancel('plug');
    expect(windows.claimDeath('plug', 'exit 1')).toBe(false);
    await windows.close();
  });

  it('at start, finishes a watching update: updated at the new version, rolled_back at the old one', async () => {
    const windows = new HealthWindows(settings, 600);
    await windows.record('newer', watching);
    await windows.record('older', watching);
    await windows.finishInterrupted([
      { id: 'newer', version: '1.1.0' },
      { id: 'older', version: '1.0.0' },
    ]);
    expect((await settings.get('newer')).last_update).toMatchObject({ result: 'updated' });
    expect((await settings.get('older')).last_update).toMatchObject({ result: 'rolled_back', reason: expect.stringContaining('stopped') });
  });
});
