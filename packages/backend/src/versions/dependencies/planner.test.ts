import { isOkoError, type StoreVersion } from '@oko/shared';
import { describe, expect, it } from 'vitest';
import { planDependencies, type InstalledDependency } from './planner.js';

type Published = Record<string, Array<{ version: string; engines?: string; dependencies?: Record<string, string> }>>;

function sources(published: Published, installed: InstalledDependency[] = [], pinned: string[] = []) {
  const asked: string[] = [];
  return {
    asked,
    installed,
    isPinned: async (name: string) => pinned.includes(name),
    versionsOf: async (name: string): Promise<StoreVersion[]> => {
      asked.push(name);
      const versions = published[name];
      if (!versions) throw Object.assign(new Error('not found'), { code: 'PLUGIN_NOT_FOUND' });
      return versions.map((v) => ({
        id: `${name}@${v.version}`,
        version: v.version,
        created_at: '2026-01-01T00:00:00Z',
        size: 1,
        sha256: '0'.repeat(64),
        changelog: null,
        permissions: { network: [], listen: false, env: [], read: [] },
        engines: v.engines ?? null,
        dependencies: v.dependencies ?? {},
      }));
    },
  };
}

const plan = async (dependencies: Record<string, string>, from: ReturnType<typeof sources>) =>
  (await planDependencies({ name: 'app', version: '1.0.0', dependencies }, from)).install.map((step) => `${step.name}@${step.version}`);

async function conflict(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isOkoError(error) || error.code !== 'DEPENDENCY_CONFLICT') throw new Error(`expected DEPENDENCY_CONFLICT, got ${String(error)}`);
  return error.message;
}

describe('planDependencies', () => {
  it('skips versions whose engine does not fit, and prereleases unless a range names one', async () => {
    const published: Published = {
      lib: [{ version: '1.3.0', engines: '>=2' }, { version: '1.2.0' }, { version: '1.4.0-beta.1' }, { version: '1.1.0' }],
    };
    expect(await plan({ lib: '^1.0.0' }, sources(published))).toEqual(['lib@1.2.0']);
    expect(await plan({ lib: '>=1.4.0-beta.0 <2' }, sources(published))).toEqual(['lib@1.4.0-beta.1']);
  });

  it('picks again when a dependency chosen later narrows the range (transitively), and asks only for missing names', async () => {
    const published: Published = {
      lib: [{ version: '2.0.0' }, { version: '1.9.0' }, { version: '1.5.0' }],
      mid: [{ version: '1.0.0', dependencies: { lib: '~1.5.0', base: '^1.0.0' } }],
    };
    const from = sources(published, [{ id: 'base', version: '1.2.0' }]);
    expect(await plan({ lib: '^1.0.0', mid: '^1.0.0', base: '^1.0.0' }, from)).toEqual(['lib@1.5.0', 'mid@1.0.0']);
    expect([...new Set(from.asked)].sort()).toEqual(['lib', 'mid']);
  });

  it('respects the ranges installed plugins hold on a missing name, and names every refused constraint', async () => {
    const published: Published = { lib: [{ version: '2.0.0' }, { version: '1.0.0' }] };
    const held = [{ id: 'old', version: '1.0.0', dependencies: { lib: '^1.0.0' } }];
    expect(await plan({ lib: '*' }, sources(published, held))).toEqual(['lib@1.0.0']);
    expect(await conflict(plan({ lib: '^2.0.0' }, sources(published, held)))).toBe(
      'lib: app needs ^2.0.0 and old needs ^1.0.0; the store has 2.0.0, 1.0.0',
    );
    expect(await conflict(plan({ ghost: '^1.0.0' }, sources(published)))).toBe(
      'ghost: app needs ^1.0.0, and the store has no plugin of that name',
    );
  });

  it('stops a store that invents ever more dependencies at a bound, after a bounded number of questions', async () => {
    // Every version of every plugin needs ten new ones: without a bound the plan asks for ever.
    const asked: string[] = [];
    const from = {
      installed: [],
      isPinned: async () => false,
      versionsOf: async (name: string): Promise<StoreVersion[]> => {
        asked.push(name);
        const dependencies = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`${name}_${i}`, '^1.0.0']));
        return [
          {
            id: name,
            version: '1.0.0',
            created_at: '',
            size: 1,
            sha256: '0'.repeat(64),
            changelog: null,
            permissions: { network: [], listen: false, env: [], read: [] },
            engines: null,
            dependencies,
          },
        ];
      },
    };
    expect(await conflict(planDependencies({ name: 'app', version: '1.0.0', dependencies: { d: '^1.0.0' } }, from))).toContain('more than');
    expect(asked.length).toBeLessThanOrEqual(200);
  });
});
