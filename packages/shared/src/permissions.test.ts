import { describe, expect, it } from 'vitest';
import { addedPermissions, describePermission, intersectPermissions, normalizePermissions, permissionLabels } from './permissions.js';
import { validatePluginManifest } from './manifest.js';
import { parseUiConfig, sharedPathName } from './ui-config.js';

const manifest = (permissions: unknown) => ({ name: 'probe', version: '1.0.0', permissions });

describe('plugin permissions', () => {
  it('accepts the documented forms', () => {
    const result = validatePluginManifest(
      manifest({
        network: ['127.0.0.1:*', 'api.github.com:443', '*.example.com:443', '[::1]:8080', '*'],
        listen: false,
        env: ['HTTP_PROBE_TOKEN'],
        read: ['/proc'],
      }),
    );
    expect(result.issues).toEqual([]);
  });

  it.each([
    [{ network: ['api.github.com'] }],
    [{ network: ['*.*.example.com:443'] }],
    [{ read: ['relative/path'] }],
    [{ read: ['/data/../etc'] }],
    [{ read: ['/a,/b'] }],
    [{ env: ['lower_case'] }],
    [{ listen: 'yes' }],
    [{ exec: true }],
  ])('refuses %j', (permissions) => {
    const result = validatePluginManifest(manifest(permissions));
    expect(result.ok).toBe(false);
    expect(result.issues.every((issue) => issue.path.startsWith('permissions'))).toBe(true);
  });

  it('names what an update adds, and nothing for the same set in another order', () => {
    const granted = { network: ['a.com:443'], env: ['A'] };
    expect(addedPermissions(granted, { env: ['A'], network: ['a.com:443', 'a.com:443'] })).toEqual([]);
    expect(addedPermissions(granted, { network: ['a.com:443', 'b.com:443'], listen: true, read: ['/proc'] })).toEqual([
      'network b.com:443',
      'listen',
      'read /proc',
    ]);
    expect(addedPermissions(null, {})).toEqual([]);
    expect(permissionLabels(normalizePermissions(undefined))).toEqual([]);
  });
});

describe('permission checks beyond the schema', () => {
  it('refuses ports outside 1..65535 and entries listed twice', () => {
    const result = validatePluginManifest(
      manifest({ network: ['a.com:0', 'a.com:65536', 'a.com:65535', 'a.com:65535'], read: ['/x', '/x'] }),
    );
    expect(result.issues.map((issue) => `${issue.path}: ${issue.message}`)).toEqual([
      'permissions.network.0: port 0 is not in 1..65535',
      'permissions.network.1: port 65536 is not in 1..65535',
      "permissions.network.3: 'a.com:65535' is listed twice",
      "permissions.read.1: '/x' is listed twice",
    ]);
  });

  it('says each permission in plain words', () => {
    expect(
      permissionLabels({
        network: ['api.github.com:443', '127.0.0.1:*', '*.example.com:443', '*'],
        listen: true,
        env: ['T'],
        read: ['/proc'],
      }).map(describePermission),
    ).toEqual([
      'Connect to any host on any port',
      'Connect to any host under example.com on port 443',
      'Connect to 127.0.0.1 on any port',
      'Connect to api.github.com:443',
      'Listen on a port',
      'Use the setting T',
      'Read /proc',
    ]);
  });

  it('a process gets only what is both granted and declared', () => {
    expect(
      intersectPermissions({ network: ['a.com:443', 'b.com:443'], listen: true, env: ['A'] }, { network: ['b.com:443'], env: ['A', 'B'] }),
    ).toEqual({
      network: ['b.com:443'],
      listen: false,
      env: ['A'],
      read: [],
    });
  });
});

describe('ui.yaml required_permissions', () => {
  it('is accepted with a deprecation warning', () => {
    const result = parseUiConfig('required_permissions: [network.outbound]\n');
    expect(result.ok).toBe(true);
    expect(result.warnings).toEqual([{ file: 'ui.yaml', path: 'required_permissions', message: expect.stringContaining('deprecated') }]);
    expect(parseUiConfig('has_page: true\n').warnings).toEqual([]);
  });
});

describe('shared path names', () => {
  it('finds a name or prefix another plugin holds', () => {
    expect(sharedPathName('thief', { api_prefix: 'notes' }, [{ name: 'notes', ui: null }])).toEqual({ name: 'notes', other: 'notes' });
    expect(sharedPathName('my_tool', null, [{ name: 'other', ui: { api_prefix: 'my-tool' } }])).toEqual({
      name: 'my-tool',
      other: 'other',
    });
    expect(sharedPathName('notes', null, [{ name: 'notes', ui: null }])).toBeUndefined();
    expect(sharedPathName('alpha', null, [{ name: 'beta', ui: null }])).toBeUndefined();
  });
});
