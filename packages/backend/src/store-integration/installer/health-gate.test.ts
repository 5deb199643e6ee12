import { describe, expect, it } from 'vitest';
import type { HealthWindows, WatchedUpdate } from '../../versions/updates/health-windows.js';
import { HealthGate } from './health-gate.js';
import type { InstallerContext } from './installer-context.js';

const held = { network: [], listen: false, env: [], read: [] };
const update: WatchedUpdate = {
  name: 'gated',
  last: { from: '1.0.0', to: '2.0.0', at: '2026-01-01T00:00:00.000Z', result: 'watching' },
  held,
};

/**
 * An automatic rollback claimed by a death waits for the plugin's lock; by the time it has it,
 * an uninstall or another update may have run. Just enough of the installer to see what it touches.
 */
function gateWith(installed: { version: string; state?: string } | undefined) {
  const touched: string[] = [];
  const ctx = {
    plugins: {
      withPluginLock: async (_id: string, fn: () => Promise<unknown>) => fn(),
      get: async () => installed,
      load: async () => void touched.push('load'),
    },
    cache: {
      byVersion: async () => {
        touched.push('cache');
        return undefined;
      },
    },
    grants: { grant: async () => void touched.push('grant') },
  } as unknown as InstallerContext;
  const windows = {
    windowS: 30,
    record: async () => void touched.push('record'),
  } as unknown as HealthWindows;
  const gate = new HealthGate(ctx, windows);
  return { touched, rollBack: (reason: string) => windows.rollBack(update, reason), gate };
}

describe('HealthGate', () => {
  it('leaves a plugin alone that was uninstalled before its claimed rollback got the lock: no grant, no settings file again', async () => {
    const { touched, rollBack } = gateWith(undefined);
    await rollBack('exit 1');
    expect(touched).toEqual([]);
  });

  it('leaves a plugin alone that another update or rollback moved meanwhile', async () => {
    const { touched, rollBack } = gateWith({ version: '3.0.0' });
    await rollBack('exit 1');
    expect(touched).toEqual([]);
  });

  it('still rolls back the version it watched', async () => {
    const { touched, rollBack } = gateWith({ version: '2.0.0' });
    await rollBack('exit 1');
    expect(touched).toEqual(['cache', 'record']);
  });

  it('starts the watched version again when its death cannot be rolled back (no kept package): the crash restart was skipped for it', async () => {
    const { touched, rollBack } = gateWith({ version: '2.0.0', state: 'error' });
    await rollBack('exit 1');
    expect(touched).toEqual(['cache', 'record', 'load']);
  });
});
