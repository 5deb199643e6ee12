import { mkdir, writeFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isInstanceId, type Review, type ReviewList } from '@oko/shared';
import { expectErrorAnswer } from '../../../test-support/errors.js';
import type { RecordedRequest } from '../../../test-support/fake-store.js';
import { pluginFiles } from '../../../test-support/fixtures.js';
import { api, getJson, post, request } from '../../../test-support/http.js';
import { fakeStoreSetup } from './fake-store-setup.js';

// GET/POST /store/{name}/reviews relayed to a stand-in store that records what reached it and
// answers as the test says: the dashboard's credentials, the installed version, the store's
// refusals and answers the backend must not pass on.
const setup = fakeStoreSetup('store-reviews');

const REVIEW: Review = {
  id: 'r1',
  plugin: 'rated_plugin',
  version: '1.2.0',
  rating: 4,
  title: 'Good',
  body: 'Works',
  reviewer: 'dashboard 1a2b3c4d',
  verified_install: true,
  created_at: '2026-11-30T08:00:00.000Z',
  updated_at: '2026-11-30T08:00:00.000Z',
};
const LIST: ReviewList = { reviews: [REVIEW], total: 1, page: 2, per_page: 5, rating: { average: 4, count: 1 }, mine: null };

function json(res: ServerResponse, status: number, body: unknown): true {
  res.writeHead(status, { 'content-type': 'application/json' }).end(typeof body === 'string' ? body : JSON.stringify(body));
  return true;
}

/** A store whose /reviews answers `answer` (the list for GET, the review for POST unless told otherwise). */
async function reviewStore(answer: (request: RecordedRequest) => { status: number; body: unknown } | undefined = () => undefined) {
  return setup.fakeStore([], {
    custom: (req, parts, res) => {
      if (parts[0] !== 'plugins' || parts[2] !== 'reviews') return false;
      const given = answer(req);
      if (given) return json(res, given.status, given.body);
      return req.method === 'GET' ? json(res, 200, LIST) : json(res, 201, REVIEW);
    },
  });
}

async function installPlugin(dir: string, name: string, version = '1.2.0'): Promise<void> {
  await mkdir(path.join(dir, name), { recursive: true });
  for (const [file, content] of Object.entries(pluginFiles({ name, version }))) await writeFile(path.join(dir, name, file), content);
}

const reviewsOf = (store: { requests: RecordedRequest[] }) => store.requests.filter((r) => r.url.includes('/reviews'));

describe('reviews through the dashboard', () => {
  it('reads a plugin’s reviews with the page asked for, whether installed or not', async () => {
    const store = await reviewStore();
    const { backend } = await setup.backendFor(store.url, 'read');
    const res = await getJson<ReviewList>(`${api(backend)}/store/rated_plugin/reviews?page=2&per_page=5`);
    expect(res).toEqual({ status: 200, body: LIST });
    expect(reviewsOf(store)[0]!.url).toBe('/api/v1/plugins/rated_plugin/reviews?page=2&per_page=5');
  });

  it('posts a review of an installed plugin with its installed version, whatever the browser said, and the instance id', async () => {
    const store = await reviewStore();
    const { backend, pluginsDir } = await setup.backendFor(store.url, 'post');
    await installPlugin(pluginsDir, 'rated_plugin', '1.2.0');
    const res = await post(`${api(backend)}/store/rated_plugin/reviews`, { rating: 4, title: 'Good', body: 'Works', version: '9.9.9' });
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual(REVIEW);
    const sent = reviewsOf(store)[0]!;
    expect(sent.method).toBe('POST');
    expect(JSON.parse(sent.body.toString())).toEqual({ rating: 4, title: 'Good', body: 'Works', version: '1.2.0' });
    expect(isInstanceId(sent.headers['x-oko-instance'])).toBe(true);
    // No token configured: the instance id alone names the dashboard, and the admin key is never lent to a review.
    expect(sent.headers.authorization).toBeUndefined();
    expect(sent.headers['x-api-key']).toBeUndefined();
  });

  it('refuses a review of a plugin that is not installed, or is built in, without asking the store', async () => {
    const store = await reviewStore();
    const { dataDir } = await setup.dirs('builtin');
    const builtinDir = path.join(dataDir, '..', 'builtin');
    await installPlugin(builtinDir, 'shipped_plugin');
    const { backend } = await setup.backendFor(store.url, 'not-installed', { OKO_BUILTIN_PLUGINS_DIR: builtinDir });
    const missing = await post(`${api(backend)}/store/rated_plugin/reviews`, { rating: 5 });
    expect(await expectErrorAnswer(missing, 404, 'NOT_INSTALLED')).toContain('not installed');
    const builtin = await post(`${api(backend)}/store/shipped_plugin/reviews`, { rating: 5 });
    expect(await expectErrorAnswer(builtin, 404, 'NOT_INSTALLED')).toContain('built into this dashboard');
    expect(reviewsOf(store)).toEqual([]);
  });

  it('refuses a rating outside 1–5, an overlong title and a bad name before the store is asked', async () => {
    const store = await reviewStore();
    const { backend, pluginsDir } = await setup.backendFor(store.url, 'invalid');
    await installPlugin(pluginsDir, 'rated_plugin');
    for (const body of [{ rating: 0 }, { rating: 6 }, { rating: 2.5 }, {}, { rating: 3, title: 'x'.repeat(121) }])
      await expectErrorAnswer(await post(`${api(backend)}/store/rated_plugin/reviews`, body), 400, 'VALIDATION_FAILED');
    await expectErrorAnswer(await request(`${api(backend)}/store/Bad..Name/reviews`), 400, 'VALIDATION_FAILED');
    expect(reviewsOf(store)).toEqual([]);
  });

  it('writes with OKO_STORE_TOKEN when configured, besides the instance id', async () => {
    const store = await reviewStore();
    const { backend, pluginsDir } = await setup.backendFor(store.url, 'token', {
      OKO_STORE_TOKEN: 'dash-token-123',
      OKO_STORE_API_KEY: 'admin-key-123',
    });
    await installPlugin(pluginsDir, 'rated_plugin');
    expect((await post(`${api(backend)}/store/rated_plugin/reviews`, { rating: 5 })).status).toBe(201);
    expect((await request(`${api(backend)}/store/rated_plugin/reviews`)).status).toBe(200);
    for (const sent of reviewsOf(store)) {
      expect(sent.headers.authorization).toBe('Bearer dash-token-123');
      expect(sent.headers['x-api-key']).toBeUndefined();
      expect(isInstanceId(sent.headers['x-oko-instance'])).toBe(true);
    }
  });

  it('says to set OKO_STORE_TOKEN when a store that requires keys refuses a dashboard without one', async () => {
    // The store's 401 reaches the browser as 502: a 401 would tell the web UI it is signed out here.
    for (const [status, code, answered] of [
      [403, 'TOKEN_NOT_ALLOWED', 403],
      [401, 'UNAUTHORIZED', 502],
    ] as const) {
      const store = await reviewStore((req) =>
        req.method === 'POST'
          ? { status, body: { error: { code, message: 'This store takes reviews from dashboard tokens' } } }
          : undefined,
      );
      const { backend, pluginsDir } = await setup.backendFor(store.url, `no-token-${status}`, { OKO_STORE_API_KEY: 'admin-key-123' });
      await installPlugin(pluginsDir, 'rated_plugin');
      const message = await expectErrorAnswer(await post(`${api(backend)}/store/rated_plugin/reviews`, { rating: 5 }), answered, code);
      expect(message).toContain('This store takes reviews from dashboard tokens');
      expect(message).toContain('set OKO_STORE_TOKEN');
    }
  });

  it('passes the store’s own refusals through with their status', async () => {
    const store = await reviewStore(() => ({
      status: 404,
      body: { error: { code: 'PLUGIN_NOT_FOUND', message: "No plugin 'rated_plugin'" } },
    }));
    const { backend, pluginsDir } = await setup.backendFor(store.url, 'refusals');
    await installPlugin(pluginsDir, 'rated_plugin');
    await expectErrorAnswer(await request(`${api(backend)}/store/rated_plugin/reviews`), 404, 'PLUGIN_NOT_FOUND');
    await expectErrorAnswer(await post(`${api(backend)}/store/rated_plugin/reviews`, { rating: 5 }), 404, 'PLUGIN_NOT_FOUND');
  });

  it('answers 502 BAD_STORE_ANSWER for a list or review that is not the contract’s shape, or too big', async () => {
    const answers = [
      { status: 200, body: { reviews: 'none' } },
      { status: 200, body: { ...LIST, reviews: [{ ...REVIEW, rating: 'five' }] } },
      { status: 200, body: 'not json at all' },
      { status: 200, body: { ...LIST, padding: 'x'.repeat(2 * 1024 * 1024) } },
    ];
    let next = 0;
    const store = await reviewStore(() => answers[next]);
    const { backend, pluginsDir } = await setup.backendFor(store.url, 'malformed', { OKO_STORE_MAX_ANSWER_MB: '1' });
    await installPlugin(pluginsDir, 'rated_plugin');
    for (next = 0; next < answers.length; next += 1)
      await expectErrorAnswer(await request(`${api(backend)}/store/rated_plugin/reviews`), 502, 'BAD_STORE_ANSWER');
    next = 1;
    await expectErrorAnswer(await post(`${api(backend)}/store/rated_plugin/reviews`, { rating: 5 }), 502, 'BAD_STORE_ANSWER');
  });

  it('answers 503 STORE_UNAVAILABLE when the store is down', async () => {
    const store = await reviewStore();
    const { backend, pluginsDir } = await setup.backendFor(store.url, 'down');
    await installPlugin(pluginsDir, 'rated_plugin');
    await store.close();
    await expectErrorAnswer(await request(`${api(backend)}/store/rated_plugin/reviews`), 503, 'STORE_UNAVAILABLE');
    await expectErrorAnswer(await post(`${api(backend)}/store/rated_plugin/reviews`, { rating: 5 }), 503, 'STORE_UNAVAILABLE');
  });

  it('lets a viewer read reviews and refuses their post with 403', async () => {
    const store = await reviewStore();
    const { backend, pluginsDir } = await setup.backendFor(store.url, 'viewer', { OKO_ADMIN_PASSWORD: 'admin-password-123' });
    await installPlugin(pluginsDir, 'rated_plugin');
    await backend.app.auth.addUser('vera', 'viewer-password-123', 'viewer');
    const { token } = await backend.app.auth.createToken('vera', 'vera token');
    const headers = { authorization: `Bearer ${token}` };
    expect((await request(`${api(backend)}/store/rated_plugin/reviews`, { headers })).status).toBe(200);
    await expectErrorAnswer(await post(`${api(backend)}/store/rated_plugin/reviews`, { rating: 1 }, headers), 403, 'FORBIDDEN');
    expect(reviewsOf(store).filter((r) => r.method === 'POST')).toEqual([]);
  });
});
