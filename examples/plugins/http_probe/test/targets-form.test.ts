import { readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { getJson, loadPlugin, request, send, startBackendWithExamples, type ExampleBackend } from '../../test-harness.js';
// @ts-expect-error the example is plain JavaScript, without type declarations
import { allowedByNetwork, displayUrl } from '../lib/targets.js';
// @ts-expect-error the example is plain JavaScript, without type declarations
import { timeAgo } from '../lib/time.js';

// What the page's form sends: an address and a name. The routes are the ones the page calls
// through the bridge; the backend is in-process with the example loaded.
let env: ExampleBackend;
let base: string;
let web: http.Server;
let webPort: number;

beforeAll(async () => {
  web = http.createServer((_req, res) => res.writeHead(204).end());
  await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
  webPort = (web.address() as AddressInfo).port;
});
afterAll(() => web?.close());

beforeEach(async () => {
  env = await startBackendWithExamples(['http_probe']);
  base = `${env.api}/plugins/http-probe`;
  await loadPlugin(env.api, 'http_probe');
});
afterEach(async () => {
  await env?.stop();
});

describe('http_probe: the form on its page', () => {
  it('adds a target from an address and a name, and lists it with that address', async () => {
    const created = await send('POST', `${base}/targets`, { url: `http://127.0.0.1:${webPort}/health?deep=1`, label: '  Local API ' });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({ host: '127.0.0.1', port: webPort, kind: 'http', path: '/health?deep=1', label: 'Local API' });
    const tcp = await send('POST', `${base}/targets`, { url: 'tcp://db.internal:5432' });
    expect(tcp.body).toMatchObject({ host: 'db.internal', port: 5432, kind: 'tcp', path: null, label: null });
    const https = await send('POST', `${base}/targets`, { url: 'https://example.org' });
    expect(https.body).toMatchObject({ port: 443, path: '/' });
    const { body } = await getJson<any>(`${base}/results`);
    expect(body.items.map((r: any) => r.url)).toEqual([
      `http://127.0.0.1:${webPort}/health?deep=1`,
      'tcp://db.internal:5432',
      'https://example.org/',
    ]);
  });

  it.each([
    ['example.org', 'url: is not an address'],
    ['ftp://example.org/', 'url: must start with http://, https:// or tcp://'],
    ['https://user:secret@example.org/', 'url: must not contain a user name or password'],
    ['tcp://db.internal', 'url: a tcp:// address needs a port'],
    ['javascript:alert(1)', 'url: must start with'],
    ['http://exa mple.org/', 'url: is not an address'],
  ])('refuses the address %s, naming the problem', async (url, problem) => {
    const res = await send('POST', `${base}/targets`, { url, label: 'x' });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect(res.body.error.message).toContain(problem);
    expect((await getJson<any>(`${base}/targets`)).body.total).toBe(0);
  });

  it('removes a target, and answers 404 for one it does not know', async () => {
    const { body: target } = await send('POST', `${base}/targets`, { url: 'tcp://localhost:9', label: 'gone soon' });
    const removed = await send('DELETE', `${base}/targets/${target.id}`);
    expect(removed).toMatchObject({ status: 200, body: { removed: target.id } });
    expect((await getJson<any>(`${base}/targets`)).body.total).toBe(0);
    expect((await send('DELETE', `${base}/targets/${target.id}`)).status).toBe(404);
  });

  it('probes every target with "Probe all now" and shows when, in words, on its page', async () => {
    await send('POST', `${base}/targets`, { url: `http://127.0.0.1:${webPort}/`, label: 'Web' });
    await send('POST', `${base}/targets`, { url: `tcp://127.0.0.1:${webPort}`, label: 'Port' });
    const before = await (await request(`${env.api}/plugins/http_probe/page`)).text();
    expect(before).toContain('0 up · 0 down · 2 not probed yet');
    expect(before).toContain('<td>never</td>');

    const probed = await send('POST', `${base}/probe`, {});
    expect(probed.status).toBe(200);
    expect(probed.body).toMatchObject({ up: 2, down: 0 });
    const summary = await getJson<any>(`${base}/summary`);
    expect(summary.body).toEqual({ total: 2, up: 2, down: 0, pending: 0 });

    const html = await (await request(`${env.api}/plugins/http_probe/page`)).text();
    expect(html).toContain('2 up · 0 down · 0 not probed yet');
    // The time as a person reads it; the exact instant only in the datetime attribute.
    expect(html).toMatch(/<time datetime="\d{4}-\d\d-\d\dT[^"]+">just now<\/time>/);
    expect(html.replace(/datetime="[^"]*"/g, '')).not.toMatch(/\d{4}-\d\d-\d\dT\d\d:\d\d/);
    expect(html.match(/id="probe-all"/g)).toHaveLength(1);
  });
});

describe('http_probe narrowed to some hosts', () => {
  it('refuses a target outside its network permission when it is added, saying what to change', async () => {
    // An admin's copy that may reach only this machine's 127.0.0.1 (unsigned now: it was edited).
    const narrow = await startBackendWithExamples(['http_probe']);
    try {
      const dir = path.join(narrow.pluginsDir, 'http_probe');
      const manifest = JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8'));
      await writeFile(path.join(dir, 'manifest.json'), JSON.stringify({ ...manifest, permissions: { network: ['127.0.0.1:*'] } }));
      await rm(path.join(dir, 'oko-signature.json'));
      await loadPlugin(narrow.api, 'http_probe');
      const api = `${narrow.api}/plugins/http-probe`;
      expect((await send('POST', `${api}/targets`, { url: `http://127.0.0.1:${webPort}/` })).status).toBe(201);
      const refused = await send('POST', `${api}/targets`, { url: 'https://example.org/' });
      expect(refused.status).toBe(400);
      expect(refused.body.error.message).toBe(
        'example.org:443 is outside this plugin\'s network permission (127.0.0.1:*): add "example.org:443" to ' +
          'permissions.network in its manifest.json, sign it again and install that version, accepting the wider permission',
      );
      expect((await getJson<any>(`${api}/targets`)).body.total).toBe(1);
    } finally {
      await narrow.stop();
    }
  });
});

describe('http_probe: the pieces the page uses', () => {
  it('says how long ago a check was', () => {
    const now = Date.parse('2026-11-30T12:00:00Z');
    expect(timeAgo('2026-11-30T11:59:58Z', now)).toBe('just now');
    expect(timeAgo('2026-11-30T11:59:48Z', now)).toBe('12 s ago');
    expect(timeAgo('2026-11-30T11:55:00Z', now)).toBe('5 min ago');
    expect(timeAgo('2026-11-30T09:00:00Z', now)).toBe('3 h ago');
    expect(timeAgo('not a time', now)).toBe('');
  });

  it('writes an address without its default port', () => {
    expect(displayUrl({ kind: 'https', host: 'example.org', port: 443, path: '/' })).toBe('https://example.org/');
    expect(displayUrl({ kind: 'http', host: '::1', port: 8080, path: '/x' })).toBe('http://[::1]:8080/x');
  });

  it('matches targets against the network permission the way the manifest writes it', () => {
    expect(allowedByNetwork(['*'], 'anything.example', 1)).toBe(true);
    expect(allowedByNetwork(['api.example.org:443'], 'API.example.org', 443)).toBe(true);
    expect(allowedByNetwork(['api.example.org:443'], 'api.example.org', 80)).toBe(false);
    expect(allowedByNetwork(['*.example.org:*'], 'a.b.example.org', 8443)).toBe(true);
    expect(allowedByNetwork(['*.example.org:*'], 'example.org.evil.test', 443)).toBe(false);
    expect(allowedByNetwork(['*:443'], '10.0.0.5', 443)).toBe(true);
    expect(allowedByNetwork(['[::1]:8080'], '::1', 8080)).toBe(true);
    expect(allowedByNetwork([], 'example.org', 443)).toBe(false);
  });
});
