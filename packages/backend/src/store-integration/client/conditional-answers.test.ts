import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ConditionalAnswers } from './conditional-answers.js';
import { StoreClient } from './store-client.js';
import { okoRejection } from '../../../../../test-support/errors.js';
import { eventually } from '../../../../../test-support/eventually.js';

// The catalog list asked conditionally: a fake store that sends ETags and answers 304, one that
// sends none, and one that answers 304 unasked. Each records the requests it got.

interface FakeList {
  url: string;
  requests: IncomingHttpHeaders[];
  /** The catalog the next answers list. */
  names: string[];
  /** Answers held until released, to keep a request under way. */
  hold: boolean;
  release: () => void;
}

let server: Server | undefined;

async function fakeList(mode: 'etag' | 'plain' | 'always-304'): Promise<FakeList> {
  const waiting: Array<() => void> = [];
  const fake: FakeList = {
    url: '',
    requests: [],
    names: ['alpha'],
    hold: false,
    release: () => waiting.splice(0).forEach((answer) => answer()),
  };
  server = createServer((req, res) => {
    fake.requests.push(req.headers);
    const body = JSON.stringify({
      plugins: fake.names.map((name) => ({ id: `id_${name}`, name, version: '1.0.0' })),
      total: 1,
      page: 1,
      per_page: 50,
    });
    const etag = `"${createHash('sha1').update(body).digest('hex')}"`;
    const answer = () => {
      if (mode === 'always-304' || (mode === 'etag' && req.headers['if-none-match'] === etag)) return res.writeHead(304).end();
      res.writeHead(200, { 'content-type': 'application/json', ...(mode === 'etag' ? { etag } : {}) }).end(body);
    };
    if (fake.hold) waiting.push(answer);
    else answer();
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1`;
  return fake;
}

function client(baseUrl: string, catalogRevalidateMs = 0): StoreClient {
  return new StoreClient({
    catalogRevalidateMs,
    baseUrl,
    instanceId: 'test-instance-0123456789',
    timeoutMs: 5000,
    transferIdleTimeoutMs: 5000,
    downloadTimeoutMs: 60_000,
    maxPackageBytes: 1024 * 1024,
    maxAnswerBytes: 1024 * 1024,
  });
}

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
});

describe('catalog pages asked conditionally', () => {
  it("sends the store's ETag back as If-None-Match and reuses the parsed page on 304", async () => {
    const store = await fakeList('etag');
    const reader = client(store.url);
    const first = await reader.listPage({ page: 1 });
    const second = await reader.listPage({ page: 1 });
    expect(store.requests[0]?.['if-none-match']).toBeUndefined();
    expect(store.requests[1]?.['if-none-match']).toBe(first.tag);
    expect(second.value).toBe(first.value);
    expect(second.tag).toBe(first.tag);
  });

  it('takes the new page and its new ETag once the catalog changed', async () => {
    const store = await fakeList('etag');
    const reader = client(store.url);
    const before = await reader.listPage();
    store.names = ['alpha', 'beta'];
    const after = await reader.listPage();
    expect(after.tag).not.toBe(before.tag);
    expect(after.value.plugins.map((p) => p.name)).toEqual(['alpha', 'beta']);
    // And the next question names the new ETag.
    await reader.listPage();
    expect(store.requests[2]?.['if-none-match']).toBe(after.tag);
  });

  it('asks a store that sends no ETag plainly every time, and reuses the parsed page while its bytes are the same', async () => {
    const store = await fakeList('plain');
    const reader = client(store.url);
    const first = await reader.listPage();
    const second = await reader.listPage();
    expect(store.requests).toHaveLength(2);
    expect(store.requests.every((headers) => headers['if-none-match'] === undefined)).toBe(true);
    expect(second.value).toBe(first.value);
    store.names = ['beta'];
    const changed = await reader.listPage();
    expect(changed.tag).not.toBe(first.tag);
    expect(changed.value.plugins.map((p) => p.name)).toEqual(['beta']);
  });

  it('refuses a 304 to a request that sent no If-None-Match as BAD_STORE_ANSWER', async () => {
    const store = await fakeList('always-304');
    const error = await okoRejection(client(store.url).listPlugins());
    expect(error.code).toBe('BAD_STORE_ANSWER');
    expect(error.message).toContain('304');
  });

  it('lets callers arriving during a request share one request sent after it', async () => {
    const store = await fakeList('etag');
    const reader = client(store.url);
    store.hold = true;
    const first = reader.listPage();
    await eventually(() => expect(store.requests).toHaveLength(1));
    // Added while the first request is under way: its answer may predate this, the shared one may not.
    store.names = ['alpha', 'late'];
    const later = Array.from({ length: 10 }, () => reader.listPage());
    store.release();
    await first;
    await eventually(() => expect(store.requests).toHaveLength(2));
    store.release();
    const answers = await Promise.all(later);
    expect(store.requests).toHaveLength(2);
    for (const answer of answers) expect(answer.value.plugins.map((p) => p.name)).toEqual(['alpha', 'late']);
  });

  it('remembers a bounded number of queries', async () => {
    const store = await fakeList('etag');
    const reader = client(store.url);
    for (let page = 1; page <= 300; page += 1) await reader.listPage({ page });
    expect(reader.rememberedPages).toBeLessThanOrEqual(256);
    expect(reader.rememberedPages).toBeGreaterThan(0);
  });
});

describe('the revalidation window (OKO_STORE_CATALOG_REVALIDATE_MS)', () => {
  const page = (name: string) => Buffer.from(name);
  const answers = (clock: { now: number }) =>
    new ConditionalAnswers<string>(
      { maxEntries: 8, maxBytes: 1024 },
      (body) => body.toString(),
      500,
      () => clock.now,
    );

  it('serves a page the store confirmed within the window without asking, and asks again after it', async () => {
    const clock = { now: 1000 };
    const cache = answers(clock);
    const asked: Array<string | undefined> = [];
    const fetcher = async (etag: string | undefined) => {
      asked.push(etag);
      return etag === '"v1"' ? { notModified: true as const } : { notModified: false as const, body: page('alpha'), etag: '"v1"' };
    };
    expect((await cache.get('/plugins', fetcher)).value).toBe('alpha');
    clock.now += 499;
    expect((await cache.get('/plugins', fetcher)).value).toBe('alpha');
    expect(asked).toEqual([undefined]);
    clock.now += 1;
    await cache.get('/plugins', fetcher);
    expect(asked).toEqual([undefined, '"v1"']);
    // The 304 confirmed it: a new window starts from that request.
    clock.now += 300;
    await cache.get('/plugins', fetcher);
    expect(asked).toHaveLength(2);
  });

  it('asks again at once after invalidate(), whatever the window', async () => {
    const clock = { now: 0 };
    const cache = answers(clock);
    let body = 'alpha';
    let calls = 0;
    const fetcher = async () => {
      calls += 1;
      return { notModified: false as const, body: page(body), etag: `"${body}"` };
    };
    await cache.get('/plugins', fetcher);
    body = 'beta';
    expect((await cache.get('/plugins', fetcher)).value).toBe('alpha');
    cache.invalidate();
    expect((await cache.get('/plugins', fetcher)).value).toBe('beta');
    expect(calls).toBe(2);
  });

  it('does not let an answer to a request sent before invalidate() count as fresh', async () => {
    const clock = { now: 0 };
    const cache = answers(clock);
    let release: (() => void) | undefined;
    let calls = 0;
    const fetcher = async () => {
      calls += 1;
      if (calls === 1) await new Promise<void>((resolve) => (release = resolve));
      return { notModified: false as const, body: page(`v${calls}`), etag: `"v${calls}"` };
    };
    const first = cache.get('/plugins', fetcher);
    await eventually(() => expect(release).toBeDefined());
    cache.invalidate(); // e.g. an upload finished while the page was on its way
    release!();
    expect((await first).value).toBe('v1');
    expect((await cache.get('/plugins', fetcher)).value).toBe('v2');
  });

  it('a review or an upload through this backend makes the next page ask the store, within the window', async () => {
    const store = await fakeList('etag');
    const reader = client(store.url, 60_000);
    await reader.listPage();
    store.names = ['alpha', 'beta'];
    expect((await reader.listPage()).value.plugins.map((p) => p.name)).toEqual(['alpha']);
    expect(store.requests).toHaveLength(1);
    // The fake answers a catalog page to the POST, which the client refuses: the window ends all the same.
    await reader.postReview('alpha', { rating: 5 }).catch(() => undefined);
    expect((await reader.listPage()).value.plugins.map((p) => p.name)).toEqual(['alpha', 'beta']);
  });
});
