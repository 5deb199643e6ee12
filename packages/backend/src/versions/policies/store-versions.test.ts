import { createError } from '@oko/shared';
import { describe, expect, it, vi } from 'vitest';
import type { StoreClient } from '../../store-integration/client/store-client.js';
import { storeVersionSource } from './store-versions.js';

type Reads = Pick<StoreClient, 'listVersions' | 'listPlugins' | 'getPlugin'>;

const NONE = { network: [], listen: false, env: [], read: [] };

describe('storeVersionSource', () => {
  it('reads the version history when the store has it', async () => {
    const client = {
      listVersions: vi.fn(async () => ({ name: 'probe', versions: [{ id: 'b'.repeat(12), version: '1.1.0', permissions: NONE }] })),
      listPlugins: vi.fn(),
      getPlugin: vi.fn(),
    } as unknown as Reads;
    expect(await storeVersionSource(client).versionsOf('probe')).toEqual([{ id: 'b'.repeat(12), version: '1.1.0', permissions: NONE }]);
    expect(client.listPlugins).not.toHaveBeenCalled();
  });

  it('falls back to the one-entry-per-version listing of a store without the history route, keeping only that name', async () => {
    const pages = [
      {
        plugins: [
          { id: 'a1', name: 'probe', version: '1.0.0' },
          { id: 'x1', name: 'probe_two', version: '9.0.0' },
        ],
        total: 3,
        page: 1,
        per_page: 2,
      },
      { plugins: [{ id: 'a2', name: 'probe', version: '1.1.0' }], total: 3, page: 2, per_page: 2 },
    ];
    const client = {
      listVersions: vi.fn(async () => {
        throw createError('ROUTE_NOT_FOUND', 'No route GET /api/v1/plugins/probe/versions');
      }),
      listPlugins: vi.fn(async (query: { page: number; all_versions: boolean }) => {
        expect(query.all_versions).toBe(true);
        return pages[query.page - 1];
      }),
      getPlugin: vi.fn(),
    } as unknown as Reads;
    expect(await storeVersionSource(client).versionsOf('probe')).toEqual([
      { id: 'a1', version: '1.0.0' },
      { id: 'a2', version: '1.1.0' },
    ]);
    expect(client.listPlugins).toHaveBeenCalledTimes(2);
  });

  it('passes on any other error: an unknown plugin, a store that is down', async () => {
    for (const code of ['PLUGIN_NOT_FOUND', 'STORE_UNAVAILABLE'] as const) {
      const client = {
        listVersions: async () => {
          throw createError(code, code);
        },
        listPlugins: vi.fn(),
        getPlugin: vi.fn(),
      } as unknown as Reads;
      await expect(storeVersionSource(client).versionsOf('probe')).rejects.toMatchObject({ code });
      expect(client.listPlugins).not.toHaveBeenCalled();
    }
  });
});
