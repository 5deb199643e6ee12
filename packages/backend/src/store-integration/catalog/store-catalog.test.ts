import type { InstalledPluginInfo } from '@oko/shared';
import { describe, expect, it } from 'vitest';
import { StoreCatalog } from './store-catalog.js';
import type { StoreClient } from '../client/store-client.js';

// The merged pages of GET /store: rebuilt when the store's tag or the installed view's version
// changes, kept otherwise, and bounded in number.

function setup() {
  const state = { tag: '"t1"', version: 'v1', installed: new Map<string, InstalledPluginInfo>() };
  const client = {
    listPage: async (query: { page?: number }) => ({
      value: { plugins: [{ id: 'id_alpha', name: 'alpha', version: '1.0.0' }], total: 1, page: query.page ?? 1, per_page: 50 },
      tag: state.tag,
      bytes: 100,
    }),
  } as unknown as StoreClient;
  const plugins = {
    get: async () => undefined,
    installedView: () => ({ version: state.version, byName: state.installed }),
  };
  return { state, catalog: new StoreCatalog(client, plugins) };
}

describe('StoreCatalog merged pages', () => {
  it('gives the kept page while neither source changed', async () => {
    const { catalog } = setup();
    const first = await catalog.listPage({});
    expect(await catalog.listPage({})).toBe(first);
    expect(first.etag).toMatch(/^"[^"]+"$/);
  });

  it("builds again, with a new ETag, when the store's tag changes", async () => {
    const { state, catalog } = setup();
    const first = await catalog.listPage({});
    state.tag = '"t2"';
    const second = await catalog.listPage({});
    expect(second).not.toBe(first);
    expect(second.etag).not.toBe(first.etag);
  });

  it('builds again, with the install marks, when the installed view changes', async () => {
    const { state, catalog } = setup();
    const first = await catalog.listPage({});
    state.installed = new Map([['alpha', { id: 'alpha', name: 'alpha', version: '0.9.0', state: 'active', scope: 'external' }]]);
    state.version = 'v2';
    const second = await catalog.listPage({});
    expect(second.etag).not.toBe(first.etag);
    expect(second.listing.plugins[0]).toMatchObject({ installed: true, installed_state: 'active', update_available: true });
  });

  it('gives each query its own ETag', async () => {
    const { catalog } = setup();
    expect((await catalog.listPage({ page: 1 })).etag).not.toBe((await catalog.listPage({ page: 2 })).etag);
  });

  it('keeps a bounded number of queries', async () => {
    const { catalog } = setup();
    for (let page = 1; page <= 300; page += 1) await catalog.listPage({ page });
    expect(catalog.keptPages).toBeLessThanOrEqual(256);
  });
});
