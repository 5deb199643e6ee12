import dgram from 'node:dgram';
import { existsSync } from 'node:fs';
import { chmod, cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { api, buildBackend, eventually, makeDirs, type Backend, type Dirs } from './helpers.js';

// The guards of a plugin's process (network, listen, DNS, Unix sockets, signals) tried through the
// real backend: network_probe copies installed as folders with different `permissions`, loaded by
// the plugin manager. The backend listens on a real port (the one the guards deny), the store's
// URL points at a plain server standing in for it, and the targets (TCP, UDP, Unix socket) are
// started here and count what reaches them. other_plugin is the bystander that keeps answering.
// The file-system attempts are in sandbox.test.ts; guards.test.ts tries the guards alone, harder.

const SANDBOX = 'ERR_OKO_SANDBOX';
const NOT_GRANTED = /is not granted \(declare it in manifest\.json permissions\.network\)/;
const OWN_PORT = /is not granted: it is the backend's or the store's own port, which no permission reaches/;
const NO_LISTEN = /is not granted \(declare "listen": true in manifest\.json permissions\)/;
const OWN_LISTEN = /^listening on port \d+ is not granted: it is the backend's or the store's own port/;
const NO_SOCKET = /^Unix socket .* is not granted: .*\(a plugin's sockets live in its own folder or data folder\)$/;
const NO_DNS = /is not granted: DNS needs a network permission/;

let dirs: Dirs;
let backend: Backend & { app: { server: net.Server; log: Record<'warn', (...args: unknown[]) => void> } };
let socketDir: string;
const closers: Array<() => Promise<void>> = [];
/** What reached each target: connections, datagrams, and the backend's own connections. */
const seen = { tcp: 0, store: 0, udp: 0, unix: 0, backend: 0 };
const ports = { tcp: 0, store: 0, udp: 0, backend: 0 };
let unixSocket = '';

async function serve(server: net.Server, options: net.ListenOptions, count: keyof typeof seen): Promise<number> {
  server.on('connection', () => seen[count]++);
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(options, resolve));
  closers.push(() => new Promise((resolve) => server.close(() => resolve())));
  return (server.address() as net.AddressInfo | null)?.port ?? 0;
}
const httpServer = (body: string) => http.createServer((_req, res) => res.end(body));

/** A copy of network_probe named `id` that declares `permissions`. */
async function probeDeclaring(id: string, permissions: Record<string, unknown>): Promise<void> {
  const dir = path.join(dirs.pluginsDir, id);
  await cp(path.join(dirs.pluginsDir, 'network_probe'), dir, { recursive: true });
  const manifest = JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8'));
  await writeFile(path.join(dir, 'manifest.json'), JSON.stringify({ ...manifest, name: id, permissions }));
}

const probe = async (id: string, route: string, query: Record<string, string | number> = {}) => {
  const search = new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)]));
  return (await api(backend, 'GET', `/api/v1/plugins/${id.replaceAll('_', '-')}${route}?${search}`)).body;
};
const refused = (message: RegExp) => ({ ok: false, code: SANDBOX, message: expect.stringMatching(message) });
const stateOf = async (id: string) => (await api(backend, 'GET', `/api/v1/plugins/${id}`)).body;
/** The bystander answers and the backend is up; nothing any probe tried reached the backend's port. */
async function othersKeepAnswering(): Promise<void> {
  expect((await api(backend, 'GET', '/api/v1/plugins/other-plugin/ping')).body).toEqual({ pong: 'other' });
  expect((await api(backend, 'GET', '/api/v1/health')).body).toEqual({ status: 'ok' });
  expect(seen.backend).toBe(0);
}

beforeAll(async () => {
  dirs = await makeDirs(['other_plugin', 'network_probe']);
  await probeDeclaring('loopback_probe', { network: ['127.0.0.1:*'] });
  await probeDeclaring('wide_probe', { network: ['*'], listen: true });
  await probeDeclaring('listen_probe', { listen: true });
  await probeDeclaring('self_killer', {});

  ports.tcp = await serve(httpServer('from the test server'), { host: '127.0.0.1', port: 0 }, 'tcp');
  ports.store = await serve(httpServer('{}'), { host: '127.0.0.1', port: 0 }, 'store');
  const udp = dgram.createSocket('udp4').on('message', () => seen.udp++);
  await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', resolve));
  ports.udp = udp.address().port;
  closers.push(() => new Promise((resolve) => udp.close(() => resolve())));
  // A Unix socket outside the plugins' folders, in a folder open to every user as /tmp is: only the
  // guards stand in the way (plugin processes run as another user when the tests run as root).
  socketDir = await mkdtemp(path.join(tmpdir(), 'oko-socket-'));
  await chmod(socketDir, 0o1777);
  unixSocket = path.join(socketDir, 'service.sock');
  await serve(
    net.createServer((socket) => socket.end()),
    { path: unixSocket },
    'unix',
  );
  await chmod(unixSocket, 0o777);

  backend = (await buildBackend(dirs, {
    OKO_STORE_URL: `http://127.0.0.1:${ports.store}/api/v1`,
    // several probes answer in one call; a busy machine must not turn a refusal into a timeout
    OKO_PLUGIN_CALL_TIMEOUT_MS: '10000',
    // the first death ends in `error` with its reason instead of a restart (crash-restarts.test.ts covers those)
    OKO_PLUGIN_QUARANTINE_CRASHES: '1',
  })) as typeof backend;
  ports.backend = Number(new URL(backend.url).port);
  backend.app.server.on('connection', () => seen.backend++);
  for (const id of ['other_plugin', 'network_probe', 'loopback_probe', 'wide_probe', 'listen_probe', 'self_killer']) {
    expect((await api(backend, 'POST', `/api/v1/plugins/${id}/load`)).body.state).toBe('active');
  }
});
afterAll(async () => {
  await backend?.stop();
  for (const close of closers) await close();
  if (socketDir) await rm(socketDir, { recursive: true, force: true });
  await dirs?.cleanup();
});

describe('a plugin that declares no network', () => {
  it('is refused connecting to a loopback port via fetch, http, net and dgram', async () => {
    const url = `http://127.0.0.1:${ports.tcp}/`;
    expect(await probe('network_probe', '/fetch', { url })).toEqual(refused(NOT_GRANTED));
    expect(await probe('network_probe', '/http', { port: ports.tcp })).toEqual(refused(NOT_GRANTED));
    expect(await probe('network_probe', '/net', { port: ports.tcp })).toEqual(refused(NOT_GRANTED));
    expect(await probe('network_probe', '/dgram', { port: ports.udp })).toEqual(refused(NOT_GRANTED));
    expect(await probe('network_probe', '/net', { host: '::1', port: ports.tcp })).toEqual(refused(NOT_GRANTED));
    expect(await probe('network_probe', '/tls', { port: ports.tcp })).toEqual(refused(NOT_GRANTED));
    expect(await probe('network_probe', '/http2', { port: ports.tcp })).toEqual(refused(NOT_GRANTED));
    expect(seen.tcp).toBe(0);
    expect(seen.udp).toBe(0);
    await othersKeepAnswering();
  });

  it.runIf(typeof WebSocket === 'function')('is refused a WebSocket to a loopback port (Node >= 22)', async () => {
    expect(await probe('network_probe', '/websocket', { url: `ws://127.0.0.1:${ports.tcp}/` })).toMatchObject({ ok: false });
    expect(await probe('loopback_probe', '/websocket', { url: `ws://127.0.0.1:${ports.backend}/` })).toMatchObject({ ok: false });
    expect(seen.tcp).toBe(0);
    await othersKeepAnswering();
  });

  it('is refused a DNS lookup, by dns.lookup and dns.promises.resolve4', async () => {
    // localhost answers from /etc/hosts without any server: only the guard refuses it
    expect(await probe('network_probe', '/lookup', { name: 'localhost' })).toEqual(refused(NO_DNS));
    expect(await probe('network_probe', '/resolve4', { name: 'example.com' })).toEqual(refused(NO_DNS));
    // a DNS server of its own choosing (the test's UDP port) is a network access too
    expect(await probe('network_probe', '/dns-server', { port: ports.udp })).toEqual(refused(NO_DNS));
    expect(seen.udp).toBe(0);
    await othersKeepAnswering();
  });

  it('is refused listening on a port, by a net server and an http server', async () => {
    const noListen = refused(/^listening on port \d+ is not granted/);
    expect(await probe('network_probe', '/listen-net', { port: 0 })).toEqual(noListen);
    expect(await probe('network_probe', '/listen-http', { port: 0 })).toEqual(noListen);
    expect((await probe('network_probe', '/listen-http', { port: 0 })).message).toMatch(NO_LISTEN);
    await othersKeepAnswering();
  });

  it('is refused connecting to a Unix socket outside its folders, or listening on one', async () => {
    expect(await probe('network_probe', '/unix', { path: unixSocket })).toEqual(refused(NO_SOCKET));
    const planted = path.join(socketDir, 'planted.sock');
    expect(await probe('network_probe', '/listen-net', { path: planted })).toEqual(refused(NO_SOCKET));
    expect(existsSync(planted)).toBe(false);
    expect(seen.unix).toBe(0);
    await othersKeepAnswering();
  });

  it('has the reason in its log as well as in its answer', async () => {
    const warn = vi.spyOn(backend.app.log, 'warn');
    try {
      await probe('network_probe', '/net', { port: ports.tcp });
      const lines = await eventually(
        () => warn.mock.calls.filter(([bindings]) => (bindings as { plugin?: string })?.plugin === 'network_probe'),
        (calls) => calls.length > 0,
      );
      expect(lines[0]![1]).toMatch(
        new RegExp(`^refused: net 127\\.0\\.0\\.1:${ports.tcp}: ${SANDBOX} network access to 127\\.0\\.0\\.1:${ports.tcp} is not granted`),
      );
    } finally {
      warn.mockRestore();
    }
    expect((await stateOf('network_probe')).state).toBe('active');
  });
});

describe('a plugin that declares network: ["127.0.0.1:*"]', () => {
  it('reaches the test server through fetch, http, net and dgram', async () => {
    const url = `http://127.0.0.1:${ports.tcp}/`;
    expect(await probe('loopback_probe', '/fetch', { url })).toEqual({ ok: true, value: { status: 200, body: 'from the test server' } });
    expect((await probe('loopback_probe', '/http', { port: ports.tcp })).ok).toBe(true);
    expect(await probe('loopback_probe', '/net', { port: ports.tcp })).toEqual({ ok: true, value: 'connected' });
    expect(await probe('loopback_probe', '/dgram', { port: ports.udp })).toEqual({ ok: true, value: 'sent' });
    await eventually(
      () => ({ ...seen }),
      (counts) => counts.tcp >= 3 && counts.udp >= 1,
    );
  });

  it("is refused the backend's own port, by fetch, http and net", async () => {
    const url = `http://127.0.0.1:${ports.backend}/api/v1/plugins`;
    expect(await probe('loopback_probe', '/fetch', { url })).toEqual(refused(OWN_PORT));
    expect(await probe('loopback_probe', '/http', { port: ports.backend, path: '/api/v1/plugins' })).toEqual(refused(OWN_PORT));
    expect(await probe('loopback_probe', '/net', { port: ports.backend })).toEqual(refused(OWN_PORT));
    expect(await probe('loopback_probe', '/tls', { port: ports.backend })).toEqual(refused(OWN_PORT));
    expect(await probe('loopback_probe', '/http2', { port: ports.backend })).toEqual(refused(OWN_PORT));
    expect(await probe('loopback_probe', '/dns-server', { port: ports.backend })).toEqual(refused(OWN_PORT));
    // localhost resolves (any network permission allows DNS) to the same address: refused all the same
    expect(await probe('loopback_probe', '/net', { host: 'localhost', port: ports.backend })).toMatchObject({ ok: false, code: SANDBOX });
    await othersKeepAnswering();
  });

  it("is refused the store's port from OKO_STORE_URL", async () => {
    const url = `http://127.0.0.1:${ports.store}/api/v1/plugins`;
    expect(await probe('loopback_probe', '/fetch', { url })).toEqual(refused(OWN_PORT));
    expect(await probe('loopback_probe', '/net', { port: ports.store })).toEqual(refused(OWN_PORT));
    expect(seen.store).toBe(0);
    await othersKeepAnswering();
  });
});

describe('a plugin that declares network: ["*"] and listen', () => {
  it("is refused the backend's and the store's ports on every local address", async () => {
    // spellings of this machine: IPv4-mapped, the rest of 127/8, the unspecified addresses, and
    // numeric forms getaddrinfo turns into 127.0.0.1 (checked on the address actually connected to),
    // and a scoped IPv6 address
    const hosts = [
      '127.0.0.1',
      '0.0.0.0',
      '::',
      '::1',
      '::ffff:127.0.0.1',
      '127.0.0.2',
      'localhost',
      '127.1',
      '2130706433',
      '::1%lo',
      '0x7f.1',
    ];
    for (const host of hosts) {
      for (const port of [ports.backend, ports.store]) {
        expect(await probe('wide_probe', '/net', { host, port }), `${host}:${port}`).toEqual(refused(OWN_PORT));
      }
    }
    expect(seen.store).toBe(0);
    await othersKeepAnswering();
  });
});

describe('a plugin that declares listen: true', () => {
  it('listens on a port, by a net server and an http server', async () => {
    expect(await probe('listen_probe', '/listen-net', { port: 0 })).toEqual({ ok: true, value: { port: expect.any(Number) } });
    expect(await probe('listen_probe', '/listen-http', { port: 0, host: '::1' })).toEqual({
      ok: true,
      value: { port: expect.any(Number) },
    });
    const { dataDir } = await probe('listen_probe', '/whoami');
    const own = path.join(dataDir, 'own.sock');
    expect(await probe('listen_probe', '/listen-net', { path: own })).toEqual({ ok: true, value: { path: own } });
  });

  it('never on a Unix socket outside its folders', async () => {
    const planted = path.join(socketDir, 'listener.sock');
    expect(await probe('listen_probe', '/listen-net', { path: planted })).toEqual(refused(NO_SOCKET));
    expect(existsSync(planted)).toBe(false);
  });

  it("never on the backend's or the store's port, on any local address", async () => {
    // [::1] and 127.0.0.2 are free to bind while the backend holds 127.0.0.1: only the guard refuses them
    for (const host of ['::1', '127.0.0.2', '0.0.0.0', '::', '127.0.0.1']) {
      for (const port of [ports.backend, ports.store]) {
        expect(await probe('listen_probe', '/listen-net', { host, port }), `${host}:${port}`).toEqual(refused(OWN_LISTEN));
      }
    }
    expect(await probe('listen_probe', '/listen-http', { host: '::1', port: ports.backend })).toMatchObject({ ok: false, code: SANDBOX });
    await othersKeepAnswering();
  });
});

describe('signals', () => {
  it('process.kill(process.ppid) is refused and the backend keeps running', async () => {
    const { ppid } = await probe('network_probe', '/whoami');
    expect(ppid).toBe(process.pid);
    const onlyItself = refused(/^sending a signal to process \d+ is not granted: a plugin may signal only its own process/);
    // signal 0 sends nothing: without the guard it would answer true, so this shows the guard itself
    expect(await probe('network_probe', '/kill', { pid: 'parent', signal: '0' })).toEqual(onlyItself);
    expect(await probe('network_probe', '/kill', { pid: 'parent' })).toEqual(onlyItself);
    expect(await probe('network_probe', '/kill', { pid: 'parent', signal: 'SIGKILL' })).toEqual(onlyItself);
    expect(await probe('network_probe', '/kill', { pid: 'parent', raw: 1 })).toEqual(onlyItself);
    // the process group (which holds the backend) and another plugin's process
    expect(await probe('network_probe', '/kill', { pid: 0, signal: '0' })).toMatchObject({ ok: false, code: SANDBOX });
    const { pid: otherPid } = await probe('loopback_probe', '/whoami');
    expect(await probe('network_probe', '/kill', { pid: otherPid, signal: 'SIGKILL' })).toEqual(onlyItself);
    expect((await stateOf('loopback_probe')).state).toBe('active');
    expect((await stateOf('network_probe')).state).toBe('active');
    await othersKeepAnswering();
  });

  it('process.kill(process.pid) ends only the probe, its state shows the reason', async () => {
    await probe('self_killer', '/kill', { pid: 'self' });
    const plugin = await eventually(
      () => stateOf('self_killer'),
      (details) => details.state === 'error',
    );
    expect(plugin.error.reason).toBe('quarantined after 1 crash in 10 min; last crash: host was ended by signal SIGTERM');
    for (const id of ['network_probe', 'loopback_probe', 'wide_probe', 'listen_probe']) expect((await stateOf(id)).state).toBe('active');
    await othersKeepAnswering();
  });
});
