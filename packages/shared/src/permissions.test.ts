import { describe, expect, it } from 'vitest';
import { addedPermissions, normalizePermissions, permissionLabels } from './permissions.js';
import { validatePluginManifest } from './manifest.js';

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
