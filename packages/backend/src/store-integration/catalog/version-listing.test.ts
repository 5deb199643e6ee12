import { describe, expect, it } from 'vitest';
import { createError, type StoreVersion } from '@oko/shared';
import { PackageCache } from '../../versions/package-cache/package-cache.js';
import type { StoreClient } from '../client/store-client.js';
import type { PluginRegistryPort } from '../plugin-registry-port.js';
import { versionListing } from './version-listing.js';
import { removeDir, tempDir } from '../../../../../test-support/fixtures.js';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createHash } from 'node:crypto';

const version = (id: string, v: string): StoreVersion => ({
  id,
  version: v,
  created_at: '2026-01-01T00:00:00.000Z',
  size: 3,
  sha256: '0'.repeat(64),
  changelog: `## ${v}`,
  permissions: { network: [], listen: false, env: [], read: [] },
  engines: null,
  dependencies: {},
});

const plugins = {
  get: async () => ({ id: 'pv', name: 'pv', version: '1.1.0', state: 'discovered', scope: 'external' }),
} as unknown as PluginRegistryPort;

describe('versionListing', () => {
  it("marks the installed and the kept versions in the store's history", async () => {
    const root = await tempDir('version-listing');
    try {
      const cache = new PackageCache(root);
      const zip = path.join(root, 'pv.zip');
      await writeFile(zip, 'zip');
      const sha256 = createHash('sha256').update('zip').digest('hex');
      await cache.keep({ id: 'aaaaaaaaaaa1', name: 'pv', version: '1.1.0', size: 3, sha256 } as never, zip);
      const client = {
        listVersions: async () => ({ name: 'pv', versions: [version('aaaaaaaaaaa2', '1.2.0'), version('aaaaaaaaaaa1', '1.1.0')] }),
      } as unknown as StoreClient;
      const listing = await versionListing(client, plugins, cache, 'pv');
      expect(listing).toMatchObject({ name: 'pv', available: true, installed_version: '1.1.0' });
      expect(listing.versions.map((v) => [v.version, v.installed, v.cached, v.changelog])).toEqual([
        ['1.2.0', false, false, '## 1.2.0'],
        ['1.1.0', true, true, '## 1.1.0'],
      ]);
    } finally {
      await removeDir(root);
    }
  });

  it("passes on the store's other errors", async () => {
    const client = {
      listVersions: async () => Promise.reject(createError('PLUGIN_NOT_FOUND', 'no such plugin')),
    } as unknown as StoreClient;
    await expect(versionListing(client, plugins, undefined, 'pv')).rejects.toMatchObject({ code: 'PLUGIN_NOT_FOUND' });
  });
});
