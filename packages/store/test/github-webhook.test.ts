import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectErrorAnswer } from '../../../test-support/errors.js';
import { request } from '../../../test-support/http.js';
import { pluginFiles, startFakeGithub, type FakeGithub } from './fake-github.js';
import { buildTestStore, catalogFile, expectRefusal, json, type TestStore } from './helpers.js';

const KEY = 'admin-key-0123456789';
const SECRET = "It's a Secret to Everybody";
let github: FakeGithub;
let store: TestStore;

beforeAll(async () => {
  github = await startFakeGithub({
    'Octo/Hooked': { main: pluginFiles('hook_main', '1.0.0'), dev: pluginFiles('hook_dev', '1.0.0') },
    'octo/other': { main: pluginFiles('other_main', '1.0.0') },
  });
  // A store with an admin key: the webhook must pass on its HMAC alone.
  store = await buildTestStore({
    env: {
      OKO_STORE_API_KEY: KEY,
      OKO_STORE_GITHUB_API_URL: github.apiUrl,
      OKO_STORE_GITHUB_ALLOW_PRIVATE: 'true',
      OKO_STORE_GITHUB_WEBHOOK_SECRET: SECRET,
    },
  });
  for (const body of [
    { repo_url: `${github.apiUrl}/Octo/Hooked` },
    { repo_url: `${github.apiUrl}/Octo/Hooked`, branch: 'dev' },
    { repo_url: `${github.apiUrl}/octo/other` },
  ]) {
    const answer = await request(`${store.api}/plugins/upload/github`, {
      method: 'POST',
      headers: { 'x-api-key': KEY, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(answer.status).toBe(201);
  }
});
afterAll(async () => {
  await store?.close();
  await github?.close();
});

const sign = (body: string | Buffer, secret = SECRET) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

/** As GitHub delivers: its own headers, no Origin, no store key. */
function deliver(event: string, body: string, headers: Record<string, string> = {}, s = store) {
  return request(`${s.api}/webhooks/github`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'user-agent': 'GitHub-Hookshot/044aadd',
      'x-github-event': event,
      'x-github-delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958',
      'x-github-hook-id': '292430182',
      'x-hub-signature-256': sign(body),
      ...headers,
    },
    body,
  });
}

const repository = {
  id: 1296269,
  node_id: 'MDEwOlJlcG9zaXRvcnkxMjk2MjY5',
  name: 'Hooked',
  full_name: 'Octo/Hooked',
  private: false,
  owner: { login: 'Octo', id: 1, type: 'User' },
  default_branch: 'main',
  master_branch: 'main',
};
const withUrl = () => ({ ...repository, html_url: `${github.apiUrl}/Octo/Hooked`, url: `${github.apiUrl}/Octo/Hooked` });

function pushPayload(ref: string, repo: Record<string, unknown> = withUrl()) {
  const commit = { id: '6dcb09b5b57875f334f61aebed695e2e4193db5e', message: 'Bump version', timestamp: '2026-11-30T05:00:00Z' };
  return JSON.stringify({
    ref,
    before: '0000000000000000000000000000000000000000',
    after: commit.id,
    created: false,
    deleted: false,
    forced: false,
    base_ref: null,
    compare: `${github.apiUrl}/Octo/Hooked/compare/abc...def`,
    commits: [commit],
    head_commit: commit,
    repository: repo,
    pusher: { name: 'octo', email: 'octo@example.com' },
    sender: { login: 'octo', id: 1 },
  });
}

const versionsOf = async (name: string) =>
  ((await catalogFile(store))?.plugins ?? [])
    .filter((p) => p.name === name)
    .map((p) => p.version)
    .sort();

describe('POST /webhooks/github', () => {
  it('answers ping with nothing refreshed', async () => {
    const body = JSON.stringify({ zen: 'Design for failure.', hook_id: 292430182, hook: { type: 'Repository', events: ['push'] } });
    const answer = await deliver('ping', body);
    expect(answer.status).toBe(200);
    expect(await json(answer)).toEqual({ event: 'ping', refreshed: [] });
  });

  it('a push to the tracked branch refreshes that plugin only; a push to another branch refreshes nothing', async () => {
    github.repos['Octo/Hooked']!.dev = pluginFiles('hook_dev', '1.1.0');
    github.repos['Octo/Hooked']!.main = pluginFiles('hook_main', '1.1.0');

    const other = await deliver('push', pushPayload('refs/heads/feature/x'));
    expect(await json(other)).toEqual({ event: 'push', refreshed: [] });
    expect(await versionsOf('hook_dev')).toEqual(['1.0.0']);

    const dev = await deliver('push', pushPayload('refs/heads/dev'));
    expect(dev.status).toBe(200);
    expect(await json(dev)).toEqual({ event: 'push', refreshed: [{ name: 'hook_dev', status: 'published', version: '1.1.0' }] });
    expect(await versionsOf('hook_dev')).toEqual(['1.0.0', '1.1.0']);
    expect(await versionsOf('hook_main')).toEqual(['1.0.0']);

    // A plugin imported without a branch follows the default branch; the repository matches by full_name in any case.
    const { html_url: _html, url: _url, ...byName } = withUrl();
    const main = await deliver('push', pushPayload('refs/heads/main', { ...byName, full_name: 'octo/hooked' }));
    expect(await json(main)).toEqual({ event: 'push', refreshed: [{ name: 'hook_main', status: 'published', version: '1.1.0' }] });
    expect(await versionsOf('other_main')).toEqual(['1.0.0']);
  });

  it('a published release refreshes the plugins that track no branch; the same content reports unchanged', async () => {
    const body = JSON.stringify({
      action: 'published',
      release: { id: 1, tag_name: 'v1.1.0', target_commitish: 'main', name: 'v1.1.0', draft: false, prerelease: false },
      repository: withUrl(),
      sender: { login: 'octo', id: 1 },
    });
    const answer = await deliver('release', body);
    expect(await json(answer)).toEqual({ event: 'release', refreshed: [{ name: 'hook_main', status: 'unchanged', version: '1.1.0' }] });
    const draft = JSON.stringify({ ...JSON.parse(body), action: 'created' });
    expect(await json(await deliver('release', draft))).toEqual({ event: 'release', refreshed: [] });
  });

  it('reports a failed refresh with its error and still answers 200', async () => {
    github.repos['Octo/Hooked']!.dev = pluginFiles('hook_dev', '1.1.0').concat([{ name: 'changed.js', content: '1' }]);
    const answer = await deliver('push', pushPayload('refs/heads/dev'));
    expect(answer.status).toBe(200);
    const body = await json(answer);
    expect(body.refreshed).toEqual([
      { name: 'hook_dev', status: 'failed', error: { code: 'PLUGIN_ALREADY_EXISTS', message: expect.any(String) } },
    ]);
  });

  it('ignores other events', async () => {
    const body = JSON.stringify({ action: 'opened', issue: { number: 1 }, repository: withUrl() });
    expect(await json(await deliver('issues', body))).toEqual({ event: 'issues', refreshed: [] });
  });

  it('accepts a form-encoded delivery (payload=<json>), signed over the form body', async () => {
    const form = `payload=${encodeURIComponent(pushPayload('refs/heads/feature/y'))}`;
    const answer = await deliver('push', form, { 'content-type': 'application/x-www-form-urlencoded' });
    expect(await json(answer)).toEqual({ event: 'push', refreshed: [] });
  });

  it('refuses a missing, malformed or wrong signature with 401 and changes nothing', async () => {
    const body = pushPayload('refs/heads/dev');
    github.repos['Octo/Hooked']!.dev = pluginFiles('hook_dev', '1.2.0');
    await expectRefusal(store, () => deliver('push', body, { 'x-hub-signature-256': '' }), 401, 'BAD_WEBHOOK_SIGNATURE');
    const missing = await request(`${store.api}/webhooks/github`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-github-event': 'push' },
      body,
    });
    await expectErrorAnswer(missing, 401, 'BAD_WEBHOOK_SIGNATURE');
    await expectRefusal(
      store,
      () => deliver('push', body, { 'x-hub-signature-256': sign(body, 'wrong secret') }),
      401,
      'BAD_WEBHOOK_SIGNATURE',
    );
    await expectRefusal(store, () => deliver('push', body, { 'x-hub-signature-256': 'sha256=abc' }), 401, 'BAD_WEBHOOK_SIGNATURE');
    await expectRefusal(
      store,
      () => deliver('push', body, { 'x-hub-signature-256': sign(body).replace('sha256=', 'sha1=') }),
      401,
      'BAD_WEBHOOK_SIGNATURE',
    );
    // Signed over the same JSON serialized another way: the HMAC covers the exact bytes, not the parsed value.
    const reserialized = JSON.stringify(JSON.parse(body), null, 2);
    await expectRefusal(store, () => deliver('push', reserialized, { 'x-hub-signature-256': sign(body) }), 401, 'BAD_WEBHOOK_SIGNATURE');
    expect(await versionsOf('hook_dev')).toEqual(['1.0.0', '1.1.0']);
  });

  it('answers 400 for a well-signed body that is not JSON, 413 over 1 MiB', async () => {
    await expectErrorAnswer(await deliver('push', 'not json {'), 400, 'BAD_REQUEST');
    await expectErrorAnswer(await deliver('push', '[1,2]'), 400, 'BAD_REQUEST');
    const big = JSON.stringify({ ref: 'refs/heads/dev', pad: 'x'.repeat(1024 * 1024) });
    await expectErrorAnswer(await deliver('push', big), 413, 'PAYLOAD_TOO_LARGE');
  });

  it('is refused to a browser page on another site, signature or not', async () => {
    const body = pushPayload('refs/heads/feature/z');
    const answer = await deliver('push', body, { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' });
    await expectErrorAnswer(answer, 403, 'CROSS_SITE_REQUEST');
  });

  it('does not exist (404, as an unknown route) when no secret is configured', async () => {
    const plain = await buildTestStore({ env: { OKO_STORE_GITHUB_API_URL: github.apiUrl } });
    try {
      const body = JSON.stringify({ zen: 'Keep it logically awesome.' });
      await expectErrorAnswer(await deliver('ping', body, {}, plain), 404, 'ROUTE_NOT_FOUND');
    } finally {
      await plain.close();
    }
  });
});
