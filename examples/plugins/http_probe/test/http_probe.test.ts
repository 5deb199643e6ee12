import http from 'node:http';
import net from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  eventRecorderPlugin,
  eventually,
  getJson,
  loadPlugin,
  request,
  send,
  startBackendWithExamples,
  type ExampleBackend,
} from '../../test-harness.js';

let env: ExampleBackend;
let web: http.Server;
let silent: net.Server;
let webPort: number;
let silentPort: number;
let closedPort: number;
const requestedPaths: string[] = [];
let base: string;

const listen = (server: net.Server) =>
  new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)));

beforeAll(async () => {
  // A web server the user "names": / answers 200, /broken answers 503.
  web = http.createServer((req, res) => {
    requestedPaths.push(req.url ?? '');
    res.writeHead(req.url === '/broken' ? 503 : 200).end('ok');
  });
  webPort = await listen(web);
  // Accepts connections and never answers: an HTTP probe must give up at its timeout.
  silent = net.createServer(() => {});
  silentPort = await listen(silent);
  // A port nobody listens on any more: connection refused.
  const closed = net.createServer();
  closedPort = await listen(closed);
  await new Promise((r) => closed.close(r));
});

// Each test gets its own backend with http_probe and the event recorder active, and no targets.
beforeEach(async () => {
  requestedPaths.length = 0;
  env = await startBackendWithExamples(['http_probe'], { event_recorder: eventRecorderPlugin(['http_probe.result']) });
  base = `${env.api}/plugins/http-probe`;
  await loadPlugin(env.api, 'http_probe');
  await loadPlugin(env.api, 'event_recorder');
});

afterEach(async () => {
  await env?.stop();
});

afterAll(async () => {
  web?.close();
  silent?.close();
});

/** The five targets of the tests: two HTTP answers, a silent server, a TCP connect and a refusal. */
function targetList() {
  return [
    { host: '127.0.0.1', port: webPort, kind: 'http', path: '/' },
    { host: '127.0.0.1', port: webPort, kind: 'http', path: '/broken' },
    { host: '127.0.0.1', port: silentPort, kind: 'http', timeout_ms: 300 },
    { host: 'localhost', port: webPort, kind: 'tcp' },
    { host: 'localhost', port: closedPort, kind: 'tcp' },
  ];
}

async function addTargets(): Promise<void> {
  for (const target of targetList()) expect((await send('POST', `${base}/targets`, target)).status).toBe(201);
}

async function probeAll(): Promise<void> {
  const res = await send('POST', `${env.api}/actions/execute`, {
    type: 'http_probe.probe',
    capability: 'exec.http_probe.probe',
    payload: {},
  });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}

describe('http_probe example plugin', () => {
  it('has a page manifest the backend accepts: the up/down counts from its own summary route', async () => {
    const { status, body } = await getJson<any>(`${env.api}/plugins/http_probe/manifest`);
    expect(status).toBe(200);
    expect(body.negotiation).toMatchObject({ accepted: true, fallback_used: false });
    const cards = body.manifest.page.components;
    expect(cards.map((c: any) => [c.type, c.value_path])).toEqual([
      ['stat-card', 'up'],
      ['stat-card', 'down'],
      ['stat-card', 'pending'],
    ]);
    for (const card of cards) expect(card.dataSource.endpoint).toBe('/api/v1/plugins/http-probe/summary');
    // One "Probe all now", on its own page: no second one in the dashboard's sidebar.
    expect(body.manifest.page.sidebarActions).toBeUndefined();
    expect(body.manifest.dashboard.indicators[0].widget).toMatchObject({ value_path: 'up' });
  });

  it('refuses targets that are not a host and port, naming the field', async () => {
    const scheme = await send('POST', `${base}/targets`, { host: 'http://example.com', port: 80 });
    expect(scheme.status).toBe(400);
    expect(scheme.body.error).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(scheme.body.error.message).toContain('host:');
    const port = await send('POST', `${base}/targets`, { host: '127.0.0.1', port: 70000, kind: 'ftp' });
    expect(port.status).toBe(400);
    expect(port.body.error.message).toContain('port:');
    expect(port.body.error.message).toContain('kind:');
  });

  it('keeps the targets the user adds, refuses a duplicate, and lists them as pending', async () => {
    const targets = targetList();
    for (const target of targets) {
      const created = await send('POST', `${base}/targets`, target);
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      expect(created.body.id).toEqual(expect.any(String));
    }
    const duplicate = await send('POST', `${base}/targets`, targets[0]);
    expect(duplicate.status).toBe(409);
    expect(duplicate.body.error.message).toContain('already watched');

    const { body } = await getJson<any>(`${base}/results`);
    expect(body.total).toBe(5);
    expect(body.items.every((row: any) => row.state === 'pending')).toBe(true);
    expect(requestedPaths).toEqual([]);
  });

  it('probes through POST /api/v1/actions/execute and emits one http_probe.result event per target', async () => {
    await addTargets();
    const res = await send('POST', `${env.api}/actions/execute`, {
      type: 'http_probe.probe',
      capability: 'exec.http_probe.probe',
      payload: {},
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const results = res.body.result.results as any[];
    const byKey = Object.fromEntries(results.map((r) => [`${r.host}:${r.port}${r.path ?? ''}`, r]));
    expect(byKey[`127.0.0.1:${webPort}/`]).toMatchObject({ state: 'up', status: 200, error: null });
    expect(byKey[`127.0.0.1:${webPort}/broken`]).toMatchObject({ state: 'down', status: 503 });
    expect(byKey[`127.0.0.1:${silentPort}/`]).toMatchObject({ state: 'down', error: 'no answer within 300 ms' });
    expect(byKey[`localhost:${webPort}`]).toMatchObject({ state: 'up', kind: 'tcp' });
    expect(byKey[`localhost:${closedPort}`]).toMatchObject({ state: 'down', error: 'connection refused' });
    expect(res.body.result).toMatchObject({ up: 2, down: 3 });
    // Only what the user named was requested.
    expect(requestedPaths.sort()).toEqual(['/', '/broken']);

    const events = await eventually(
      async () => {
        const { body } = await getJson<any>(`${env.api}/plugins/event-recorder/events`);
        return body.total >= 5 ? body.items : undefined;
      },
      (items) => items !== undefined,
    );
    expect(events.every((e: any) => e.topic === 'http_probe.result' && e.source === 'http_probe')).toBe(true);
    expect(new Set(events.map((e: any) => e.data.target_id)).size).toBe(5);
  });

  it('shows the last result of every target on its results route and the counts on its summary', async () => {
    await addTargets();
    await probeAll();
    const { body } = await getJson<any>(`${base}/results`);
    expect(body.items.map((r: any) => r.state).sort()).toEqual(['down', 'down', 'down', 'up', 'up']);
    expect(new Set(body.items.map((r: any) => r.host))).toEqual(new Set(['127.0.0.1', 'localhost']));
    const summary = await getJson<any>(`${base}/summary`);
    expect(summary.body).toEqual({ total: 5, up: 2, down: 3, pending: 0 });
  });

  it('probes one target by id, and refuses an id it does not know', async () => {
    await addTargets();
    const { body } = await getJson<any>(`${base}/targets`);
    const one = body.items[0];
    const res = await send('POST', `${env.api}/actions/execute`, {
      type: 'http_probe.probe',
      capability: 'exec.http_probe.probe',
      payload: { target_id: one.id },
    });
    expect(res.status).toBe(200);
    expect(res.body.result.results.map((r: any) => r.target_id)).toEqual([one.id]);
    const unknown = await send('POST', `${base}/probe`, { target_id: 'nope' });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('NOT_FOUND');
  });

  it('serves its own page with a form to name targets and every target listed, escaped', async () => {
    await addTargets();
    await probeAll();
    await send('POST', `${base}/targets`, { host: 'localhost', port: 9, kind: 'tcp', label: '<b>x</b>' });
    const res = await request(`${env.api}/plugins/http_probe/page`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    const html = await res.text();
    expect(html).toContain('<form id="add">');
    expect(html).toContain(`http://127.0.0.1:${webPort}/broken`);
    expect(html).toContain(`tcp://localhost:9`);
    expect(html).toContain(`tcp://localhost:${webPort}</td><td>connected in`);
    expect(html).toContain(`http://127.0.0.1:${webPort}/broken</td><td>HTTP 503`);
    expect(html).toContain('"/api/v1/plugins/http-probe"');
    expect(html).toContain('<td>&lt;b&gt;x&lt;/b&gt;</td><td class="url">tcp://localhost:9</td>');
    expect(html).not.toContain('<b>x</b>');
    const { body } = await getJson<any>(`${base}/targets`);
    const extra = body.items.find((t: any) => t.port === 9);
    expect((await send('DELETE', `${base}/targets/${extra.id}`)).status).toBe(200);
  });

  it('keeps its targets across a reload, and removes one with its result', async () => {
    await addTargets();
    const reload = await send('POST', `${env.api}/plugins/http_probe/reload`);
    expect(reload.body.state).toBe('active');
    const before = await getJson<any>(`${base}/results`);
    expect(before.body.total).toBe(5);
    const victim = before.body.items[0].target_id;
    const removed = await send('DELETE', `${base}/targets/${victim}`);
    expect(removed.status).toBe(200);
    const after = await getJson<any>(`${base}/results`);
    expect(after.body.items.map((r: any) => r.target_id)).not.toContain(victim);
    const again = await send('DELETE', `${base}/targets/${victim}`);
    expect(again.status).toBe(404);
  });
});
