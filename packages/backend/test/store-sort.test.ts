import { describe, expect, it } from 'vitest';
import { api, request } from '../../../test-support/http.js';
import { fakeStoreSetup } from './fake-store-setup.js';

// GET /store?sort=… reaches the store as asked, each sort is its own cached page (and ETag), and
// the card fields of the store's summaries (display name, icon, rating, installs) reach the browser.
const setup = fakeStoreSetup('store-sort');

const entry = {
  id: '3f9a1c2b7d4e',
  name: 'starred_plugin',
  version: '1.0.0',
  size: 10,
  sha256: 'a'.repeat(64),
  description: 'Stars',
  author: 'A',
  tags: ['net'],
  display_name: 'Starred Plugin',
  icon: 'star',
  rating: { average: 4.5, count: 12 },
  installs: { downloads: 40, instances: 7 },
  has_readme: true,
  source: 'zip_upload',
  source_url: null,
  manifest: { name: 'starred_plugin', version: '1.0.0', capabilities: [] },
  permissions: { network: [], listen: false, env: [], read: [] },
  created_at: '2026-11-30T08:00:00.000Z',
};

describe('sorting the catalog through the dashboard', () => {
  it('passes sort to the store and keeps a page per sort', async () => {
    const store = await setup.fakeStore([{ entry, zip: Buffer.alloc(0) }]);
    // Asking the store on every request, so each page below is one request the fake records.
    const { backend } = await setup.backendFor(store.url, 'sort', { OKO_STORE_CATALOG_REVALIDATE_MS: '0' });
    const etags: Record<string, string | null> = {};
    for (const sort of ['rating', 'installs', 'rating']) {
      const res = await request(`${api(backend)}/store?sort=${sort}&tag=net`);
      expect(res.status, await res.clone().text()).toBe(200);
      etags[sort] ??= res.headers.get('etag');
      if (sort === 'rating') expect(res.headers.get('etag')).toBe(etags.rating);
    }
    expect(etags.rating).not.toBe(etags.installs);
    const lists = store.requests.filter((r) => r.url.startsWith('/api/v1/plugins?'));
    expect(lists.map((r) => new URL(r.url, 'http://x').searchParams.get('sort'))).toEqual(['rating', 'installs', 'rating']);
  });

  it('refuses a sort the store does not know before asking it', async () => {
    const store = await setup.fakeStore([]);
    const { backend } = await setup.backendFor(store.url, 'bad-sort');
    expect((await request(`${api(backend)}/store?sort=random`)).status).toBe(400);
    expect(store.requests.filter((r) => r.url.startsWith('/api/v1/plugins'))).toEqual([]);
  });

  it('passes the display name, icon, rating, installs and has_readme of each summary through', async () => {
    const store = await setup.fakeStore([{ entry, zip: Buffer.alloc(0) }]);
    const { backend } = await setup.backendFor(store.url, 'card-fields');
    const body = (await (await request(`${api(backend)}/store`)).json()) as { plugins: Array<Record<string, unknown>> };
    expect(body.plugins[0]).toMatchObject({
      display_name: 'Starred Plugin',
      icon: 'star',
      rating: { average: 4.5, count: 12 },
      installs: { downloads: 40, instances: 7 },
      has_readme: true,
      installed: false,
    });
  });
});
