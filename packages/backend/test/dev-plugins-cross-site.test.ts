import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answering, pushBody } from './dev-helpers.js';
import { api, buildBackend, expectErrorAnswer, makeDirs, type Dirs } from './helpers.js';

// The writes added with development plugins, reviews and server-side settings, sent as another
// site's page would through the user's browser (a loopback dashboard with sign-in off: everyone is
// admin, so the cross-site guard is all that stands between the page and the backend).
const CROSS_SITE = { 'sec-fetch-site': 'cross-site', origin: 'http://evil.example' };
const NO_FETCH_METADATA = { origin: 'http://evil.example' };
/** A form or fetch with text/plain needs no preflight: the body still reaches the server. */
const TEXT = { 'content-type': 'text/plain' };

let dirs: Dirs;
let backend: Awaited<ReturnType<typeof buildBackend>>;
beforeAll(async () => {
  dirs = await makeDirs([]);
  backend = await buildBackend(dirs);
});
afterAll(async () => {
  await backend?.stop();
  await dirs?.cleanup();
});

describe('cross-site writes to the new routes', () => {
  it('refuses a cross-site push of a development plugin, and nothing is written or run', async () => {
    const body = JSON.stringify(pushBody(answering('dev_evil', 'pwned'), { replace: true }));
    for (const headers of [CROSS_SITE, NO_FETCH_METADATA, { ...CROSS_SITE, 'sec-fetch-site': 'same-site' }])
      await expectErrorAnswer(
        await api(backend, 'PUT', '/api/v1/dev/plugins/dev_evil', body, { ...headers, ...TEXT }),
        403,
        'CROSS_SITE_REQUEST',
      );
    expect(await readdir(path.join(dirs.dataDir, 'dev-plugins')).catch(() => [])).toEqual([]);
    await expectErrorAnswer(await api(backend, 'GET', '/api/v1/dev/plugins/dev_evil'), 404, 'DEV_PLUGIN_NOT_FOUND');
  });

  it('refuses cross-site lease renewals, removals, settings changes and reviews', async () => {
    expect(
      (await api(backend, 'PUT', '/api/v1/dev/plugins/dev_kept', pushBody(answering('dev_kept', 'x'), { replace: true }))).status,
    ).toBe(201);
    for (const [method, url, body] of [
      ['POST', '/api/v1/dev/plugins/dev_kept/lease', undefined],
      ['DELETE', '/api/v1/dev/plugins/dev_kept', undefined],
      ['PUT', '/api/v1/system/settings', '{"custom_bundles_enabled":false}'],
      ['POST', '/api/v1/store/dev_kept/reviews', '{"rating":1}'],
    ] as const)
      await expectErrorAnswer(await api(backend, method, url, body, { ...CROSS_SITE, ...TEXT }), 403, 'CROSS_SITE_REQUEST');
    expect((await api(backend, 'GET', '/api/v1/dev/plugins/dev_kept')).body.state).toBe('active');
    expect((await api(backend, 'GET', '/api/v1/system/settings')).body).toEqual({ custom_bundles_enabled: true });
  });

  it('refuses a rebound page (a Host it does not know) on the development routes, reads included', async () => {
    for (const [method, url] of [
      ['GET', '/api/v1/dev/plugins/dev_kept/logs'],
      ['PUT', '/api/v1/dev/plugins/dev_kept'],
    ] as const)
      await expectErrorAnswer(
        await api(backend, method, url, method === 'PUT' ? { files: [] } : undefined, {
          host: 'attacker.example:8000',
          'sec-fetch-site': 'same-origin',
        }),
        403,
        'UNKNOWN_HOST',
      );
  });
});
