import { describe, expect, it } from 'vitest';
import { createError } from '@oko/shared';
import type { HealthGate } from './health-gate.js';
import type { InstallerContext } from './installer-context.js';
import { rollbackInstalled } from './rollback.js';

/** Just enough of the installer for the refusals a rollback makes before touching anything. */
function context(guard?: InstallerContext['dependencyGuard']): { ctx: InstallerContext; asked: string[] } {
  const asked: string[] = [];
  const ctx = {
    plugins: { get: async () => ({ id: 'guarded', name: 'guarded', version: '2.0.0', state: 'active', scope: 'external' }) },
    cache: { installedBefore: async () => ({ entry: { id: 'aaaaaaaaaaaa', name: 'guarded', version: '1.0.0' }, zipFile: '/nowhere' }) },
    grants: {
      heldBy: async () => {
        asked.push('grants');
        return { network: [], listen: false, env: [], read: [] };
      },
    },
    dependencyGuard: guard,
  } as unknown as InstallerContext;
  return { ctx, asked };
}
const gate = { windows: { cancel: () => undefined } } as unknown as HealthGate;

describe('rollbackInstalled', () => {
  it('asks the dependency guard about the version it returns to, and a refusal stops it before anything changes', async () => {
    const versions: string[] = [];
    const { ctx, asked } = context({
      assertVersionAllowed: async (name, version) => {
        versions.push(`${name}@${version}`);
        throw createError('DEPENDENCY_CONFLICT', 'dependent_plugin needs guarded ^2.0.0');
      },
    });
    await expect(rollbackInstalled(ctx, gate, 'guarded', {})).rejects.toMatchObject({ code: 'DEPENDENCY_CONFLICT' });
    expect(versions).toEqual(['guarded@1.0.0']);
    expect(asked).toEqual([]);
  });

  it('answers NO_ROLLBACK without a package cache', async () => {
    const { ctx } = context();
    await expect(rollbackInstalled({ ...ctx, cache: undefined }, gate, 'guarded', {})).rejects.toMatchObject({ code: 'NO_ROLLBACK' });
  });
});
