import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CatalogEntry, StorePluginList, StoreVersionList } from '@oko/shared';
import { request } from '../../../test-support/http.js';
import { ifNoneMatch as matchesIfNoneMatch } from '@oko/shared/server';
import { AnswerCache } from '../src/services/answer-cache.js';
import { pluginFiles, startFakeGithub, type FakeGithub } from './fake-github.js';
import { buildTestStore, json, pluginZip, uploadZip, type TestStore } from './helpers.js';

const KEY = 'admin-key-0123456789';
const ADMIN = { 'x-api-key': KEY };
let github: FakeGithub;
let store: TestStore;

beforeAll(async () => {
  github = await startFakeGithub({});
  store = await buildTestStore({
    env: { OKO_STORE_API_KEY: KEY, OKO_STORE_GITHUB_API_URL: github.apiUrl, OKO_STORE_GITHUB_ALLOW_PRIVATE: 'true' },
  });
});
afterAll(async () => {
  await store?.close();
  await github?.close();
});

const get = (route: string, headers: Record<string, string> = {}) => request(`${store.api}${route}`, { headers });

async function publish(name: string, version: string, extra: Record<string, unknown> = {}): Promise<string> {
  const answer = await uploadZip(store, pluginZip(name, version, { description: `${name} monitor`, ...extra }), ADMIN);
  expect(answer.status, await answer.clone().text()).toBe(201);
  return (await json(answer)).plugin_id as string;
}

/** What the route's schema serializer makes of the answer's own data: a fresh Fastify with the same response schema. */
async function serializedBySchema(schema: unknown, body: string): Promise<string> {
  const app = Fastify();
  app.get('/', { schema: { response: { 200: schema } } }, async () => JSON.parse(body) as unknown);
  const answer = await app.inject('/');
  await app.close();
  return answer.body;
}

const names = async (route: string) =>
  ((await json(await get(route))).plugins as { name: string; version: string }[]).map((p) => `${p.name}@${p.version}`);

describe('cached list, search, entry and versions answers', () => {
  it('answers the schema serializer’s bytes, the same on every hit, with a strong ETag, no-cache, and 304 for If-None-Match', async () => {
    const id = await publish('cache_probe', '1.0.0', { tags: ['net'] });
    await publish('cache_probe', '1.1.0', { tags: ['net'] });
    await publish('other_probe', '2.0.0');
    for (const [route, schema] of [
      ['/plugins?page=1&per_page=50', StorePluginList],
      ['/plugins?q=MONITOR&per_page=1&page=2', StorePluginList],
      ['/plugins?all_versions=true&tag=net', StorePluginList],
      [`/plugins/${id}`, CatalogEntry],
      ['/plugins/cache_probe', CatalogEntry],
      ['/plugins/cache_probe/versions', StoreVersionList],
    ] as const) {
      const first = await get(route);
      expect(first.status).toBe(200);
      expect(first.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(first.headers.get('cache-control')).toBe('no-cache');
      const etag = first.headers.get('etag') ?? '';
      expect(etag).toMatch(/^"[^"]+"$/);
      const body = await first.text();
      expect(body).toBe(await serializedBySchema(schema, body));
      const again = await get(route);
      expect(await again.text()).toBe(body);
      expect(again.headers.get('etag')).toBe(etag);

      const unchanged = await get(route, { 'if-none-match': `"other", W/${etag}` });
      expect(unchanged.status).toBe(304);
      expect(await unchanged.text()).toBe('');
      expect(unchanged.headers.get('etag')).toBe(etag);
      expect((await get(route, { 'if-none-match': '"stale"' })).status).toBe(200);
    }
    // The same normalized query shares an answer; another query has another ETag.
    const a = (await get('/plugins?q=Monitor')).headers.get('etag');
    expect((await get('/plugins?q=%20monitor%20&page=1')).headers.get('etag')).toBe(a);
    expect((await get('/plugins?q=monitor&per_page=2')).headers.get('etag')).not.toBe(a);
    // A refusal is not cached as an answer.
    expect((await get('/plugins/no_such_plugin/versions')).status).toBe(404);
    expect((await get('/plugins/no_such_plugin')).status).toBe(404);
  });

  it('answers a repeated list from the cache, and a publish between two lists changes the answer and the ETag', async () => {
    const route = '/plugins?q=between&per_page=50';
    const first = await get(route);
    const hit = await get(route); // the answer is cached for this catalog now: served without building it again
    const etag = hit.headers.get('etag') ?? '';
    expect(etag).toBe(first.headers.get('etag'));
    expect((await json(hit)).total).toBe(0);
    expect((await get(route, { 'if-none-match': etag })).status).toBe(304);

    await publish('between_probe', '1.0.0');
    const next = await get(route, { 'if-none-match': etag });
    expect(next.status).toBe(200);
    expect(next.headers.get('etag')).not.toBe(etag);
    expect(((await json(next)).plugins as { name: string }[]).map((p) => p.name)).toEqual(['between_probe']);
    expect((await get(route, { 'if-none-match': next.headers.get('etag') ?? '' })).status).toBe(304);
  });

  it('shows a publish, a delete and a GitHub refresh in the very next list, under a new ETag', async () => {
    const route = '/plugins?q=fresh&per_page=50';
    const etagOf = async () => (await get(route)).headers.get('etag');
    expect(await names(route)).toEqual([]);
    let etag = await etagOf();

    const id = await publish('fresh_probe', '1.0.0');
    expect(await names(route)).toEqual(['fresh_probe@1.0.0']);
    expect(await etagOf()).not.toBe(etag);
    expect((await get(route, { 'if-none-match': etag ?? '' })).status).toBe(200);
    etag = await etagOf();
    const versions = await get('/plugins/fresh_probe/versions');
    const entry = await get('/plugins/fresh_probe');

    const newer = await publish('fresh_probe', '1.2.0');
    expect(await names(route)).toEqual(['fresh_probe@1.2.0']);
    expect((await json(await get('/plugins/fresh_probe'))).version).toBe('1.2.0');
    expect((await json(await get('/plugins/fresh_probe/versions'))).versions).toHaveLength(2);
    expect((await get('/plugins/fresh_probe', { 'if-none-match': entry.headers.get('etag') ?? '' })).status).toBe(200);
    expect((await get('/plugins/fresh_probe/versions', { 'if-none-match': versions.headers.get('etag') ?? '' })).status).toBe(200);
    expect(await etagOf()).not.toBe(etag);
    etag = await etagOf();

    expect((await request(`${store.api}/plugins/${newer}`, { method: 'DELETE', headers: ADMIN })).status).toBe(200);
    expect(await names(route)).toEqual(['fresh_probe@1.0.0']);
    expect((await get(`/plugins/${newer}`)).status).toBe(404);
    expect(await etagOf()).not.toBe(etag);
    expect((await request(`${store.api}/plugins/${id}`, { method: 'DELETE', headers: ADMIN })).status).toBe(200);
    expect(await names(route)).toEqual([]);
    etag = await etagOf();

    github.repos['octo/fresh'] = { main: pluginFiles('fresh_github', '1.0.0') };
    const imported = await request(`${store.api}/plugins/upload/github`, {
      method: 'POST',
      headers: { ...ADMIN, 'content-type': 'application/json' },
      body: JSON.stringify({ repo_url: `${github.apiUrl}/octo/fresh` }),
    });
    expect(imported.status, await imported.clone().text()).toBe(201);
    expect(await names(route)).toEqual(['fresh_github@1.0.0']);
    expect(await etagOf()).not.toBe(etag);
    etag = await etagOf();

    github.repos['octo/fresh'] = { main: pluginFiles('fresh_github', '1.1.0') };
    expect((await request(`${store.api}/plugins/fresh_github/refresh`, { method: 'POST', headers: ADMIN })).status).toBe(201);
    expect(await names(route)).toEqual(['fresh_github@1.1.0']);
    expect(await etagOf()).not.toBe(etag);
  });
});

describe('AnswerCache', () => {
  const body = (bytes: number) => Buffer.alloc(bytes, 'x');

  it('keeps at most maxEntries and maxBytes, dropping the least recently used first', () => {
    const cache = new AnswerCache({ maxEntries: 3, maxBytes: 100 });
    for (const key of ['a', 'b', 'c']) cache.set('boot.1', key, body(10));
    expect(cache.get('boot.1', 'a')).toBeDefined(); // a is now the most recent
    cache.set('boot.1', 'd', body(10));
    expect(cache.get('boot.1', 'b')).toBeUndefined();
    expect(cache.size).toEqual({ entries: 3, bytes: 30 });
    cache.set('boot.1', 'e', body(80));
    expect(cache.size.bytes).toBeLessThanOrEqual(100);
    expect(cache.get('boot.1', 'e')).toBeDefined();
    expect(cache.get('boot.1', 'c')).toBeUndefined();
    cache.set('boot.1', 'huge', body(101));
    expect(cache.get('boot.1', 'huge')).toBeUndefined();
  });

  it('drops every answer of an older catalog version, and never keeps a late one of an older version', () => {
    const cache = new AnswerCache({ maxEntries: 10, maxBytes: 1000 });
    const old = cache.set('boot.1', 'list', body(5));
    expect(cache.get('boot.2', 'list')).toBeUndefined();
    const fresh = cache.set('boot.2', 'list', body(6));
    expect(fresh.etag).not.toBe(old.etag);
    expect(cache.get('boot.1', 'list')).toBeUndefined();
    cache.set('boot.1', 'late', body(5));
    expect(cache.get('boot.2', 'list')).toBe(fresh);
    expect(cache.size).toEqual({ entries: 1, bytes: 6 });
  });

  it('tags an answer by its query and bytes, not by the process or catalog version that made it', () => {
    const one = new AnswerCache().set('a1b2c3.7', 'list\npage', Buffer.from('{"total":1}'));
    const other = new AnswerCache().set('d4e5f6.2', 'list\npage', Buffer.from('{"total":1}'));
    expect(other.etag).toBe(one.etag);
    expect(one.etag).toMatch(/^"[\w-]{32}"$/);
    expect(new AnswerCache().set('a1b2c3.7', 'list\npage', Buffer.from('{"total":2}')).etag).not.toBe(one.etag);
    expect(new AnswerCache().set('a1b2c3.7', 'entry\npage', Buffer.from('{"total":1}')).etag).not.toBe(one.etag);
  });

  it('matches If-None-Match lists, weak forms and *', () => {
    expect(matchesIfNoneMatch('"x", W/"a-b"', '"a-b"')).toBe(true);
    expect(matchesIfNoneMatch('*', '"a"')).toBe(true);
    expect(matchesIfNoneMatch('"a"', '"b"')).toBe(false);
    expect(matchesIfNoneMatch(undefined, '"b"')).toBe(false);
  });
});
