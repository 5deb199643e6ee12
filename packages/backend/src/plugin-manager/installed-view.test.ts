import { describe, expect, it } from 'vitest';
import { InstalledView } from './installed-view.js';
import type { PluginRecord } from './record.js';
import type { ScannedPlugin } from './scanner.js';

function scanOf(id: string, version = '1.0.0'): ScannedPlugin {
  return {
    id,
    dir: `/plugins/${id}`,
    scope: 'external',
    manifest: { name: id, version, description: '', main: 'index.js' } as ScannedPlugin['manifest'],
    ui: {},
    issues: [],
  };
}

function setup(...ids: string[]) {
  const records = new Map<string, PluginRecord>(ids.map((id) => [id, { scan: scanOf(id), state: 'discovered' }]));
  return { records, view: new InstalledView(records) };
}

describe('InstalledView', () => {
  it('lists the installed plugins by name with version, state and scope', () => {
    const { view } = setup('alpha', 'beta');
    expect(view.current().byName.get('alpha')).toEqual({
      id: 'alpha',
      name: 'alpha',
      version: '1.0.0',
      state: 'discovered',
      scope: 'external',
    });
    expect([...view.current().byName.keys()]).toEqual(['alpha', 'beta']);
  });

  it('keeps its version and snapshot while nothing changed', () => {
    const { view } = setup('alpha');
    const first = view.current();
    expect(view.current()).toBe(first);
  });

  it('changes its version when a state changes (load, unload, a crash)', () => {
    const { records, view } = setup('alpha');
    const before = view.current();
    records.get('alpha')!.state = 'active';
    const after = view.current();
    expect(after.version).not.toBe(before.version);
    expect(after.byName.get('alpha')?.state).toBe('active');
  });

  it('changes its version when a plugin is installed, removed or its files change', () => {
    const { records, view } = setup('alpha');
    const versions = [view.current().version];
    records.set('beta', { scan: scanOf('beta'), state: 'discovered' });
    versions.push(view.current().version);
    expect(view.current().byName.has('beta')).toBe(true);
    records.get('alpha')!.scan = scanOf('alpha', '2.0.0');
    versions.push(view.current().version);
    expect(view.current().byName.get('alpha')?.version).toBe('2.0.0');
    records.delete('beta');
    versions.push(view.current().version);
    expect(view.current().byName.has('beta')).toBe(false);
    // Removed and another added: the same count, still a change.
    records.delete('alpha');
    records.set('gamma', { scan: scanOf('gamma'), state: 'discovered' });
    versions.push(view.current().version);
    expect(new Set(versions).size).toBe(versions.length);
  });

  it('never gives the version of an earlier run of the backend', () => {
    expect(setup('alpha').view.current().version).not.toBe(setup('alpha').view.current().version);
  });
});
