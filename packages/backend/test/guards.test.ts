import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, realpath, rm, symlink } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import { hostname, networkInterfaces, tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/*
 * The guards a plugin's process installs on itself (src/plugin-runtime/guards), tried as hostile
 * plugin code would try them: a child process under Node's permission model, as plugin hosts run,
 * installs the built guards with a policy and then attacks real targets started here (an HTTP
 * server, a "backend" on a denied port, a UDP socket, a Unix socket outside the plugin's folders).
 * Each attempt must end in an ERR_OKO_SANDBOX refusal, and the targets must have seen nothing.
 */

const backendDir = path.resolve(import.meta.dirname, '..');
const guardsEntry = path.join(backendDir, 'dist/plugin-runtime/guards/index.js');
const attacksScript = path.join(import.meta.dirname, 'fixtures/guards/attacks.mjs');

/** `--permission` from Node 22.13 on, `--experimental-permission` before. */
function permissionFlag(): string {
  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
  return major > 22 || (major === 22 && minor >= 13) ? '--permission' : '--experimental-permission';
}

interface Outcome {
  result: 'refused' | 'allowed' | 'failed' | 'timeout';
  code?: string;
  message?: string;
}
interface Policy {
  network: string[];
  listen: boolean;
  socketDirs: string[];
  denied: Array<{ address: string; port: number }>;
}

let dir: string;
let insideDir: string;
let outsideSocket: string;
const seen = { tcp: 0, denied: 0, udp: 0, unix: 0 };
const closers: Array<() => void> = [];
const targets = {
  tcpPort: 0,
  deniedPort: 0,
  udpPort: 0,
  outsideSocket: '',
  insideDir: '',
  hostname: hostname().toLowerCase(),
  /** A Node process outside the permission model, as the backend is when plugins run as its user. */
  backendPid: 0,
};
let hostnameAddresses: string[] = [];
const hostnameIsLocal = () =>
  hostnameAddresses.length > 0 &&
  hostnameAddresses.every((address) => address.startsWith('127.') || address === '::1' || localInterfaceAddresses().includes(address));
const localInterfaceAddresses = () => Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((entry) => entry.address));

async function listenOn(server: net.Server, options: net.ListenOptions): Promise<void> {
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(options, () => resolve()));
  closers.push(() => server.close());
}
const port = (server: net.Server) => (server.address() as net.AddressInfo).port;

/** Runs the attacks in a child under the permission model; `exit` is what ended it (0 when all ran). */
async function attempt(policy: Partial<Policy>, attacks: string[]) {
  const full: Policy = {
    network: [],
    listen: false,
    socketDirs: [insideDir],
    denied: [{ address: 'local', port: targets.deniedPort }],
    ...policy,
  };
  const input = JSON.stringify({ guards: pathToFileURL(guardsEntry).href, policy: full, targets, attacks });
  const child = spawn(
    process.execPath,
    [permissionFlag(), `--allow-fs-read=${backendDir}`, `--allow-fs-read=${dir}`, `--allow-fs-write=${insideDir}`, attacksScript, input],
    { env: {}, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exit = await new Promise<number | NodeJS.Signals | null>((resolve) =>
    child.once('close', (code, signal) => resolve(code ?? signal)),
  );
  const results: Record<string, Outcome> = {};
  for (const line of out.trim().split('\n').filter(Boolean)) {
    const { name, ...outcome } = JSON.parse(line) as Outcome & { name: string };
    results[name] = outcome;
  }
  return { results, exit, stderr: err };
}

async function run(policy: Partial<Policy>, attacks: string[]): Promise<Record<string, Outcome>> {
  const { results, exit, stderr } = await attempt(policy, attacks);
  expect(exit, `attack process failed:\n${stderr}`).toBe(0);
  return results;
}

/** A map of name -> result, to compare whole scenarios at once (a failure shows every attempt). */
const resultsOf = (results: Record<string, Outcome>) => Object.fromEntries(Object.entries(results).map(([name, o]) => [name, o.result]));
const all = (names: string[], result: Outcome['result']) => Object.fromEntries(names.map((name) => [name, result]));

/** Every connection or datagram sent before this call has been counted once it returns. */
async function settle(): Promise<void> {
  const before = { ...seen };
  for (const [key, target] of [
    ['tcp', targets.tcpPort],
    ['denied', targets.deniedPort],
  ] as const) {
    await new Promise<void>((resolve) =>
      net.connect(target, '127.0.0.1').once('connect', function (this: net.Socket) {
        this.end();
        resolve();
      }),
    );
    await waitFor(() => seen[key] > before[key]);
    seen[key] -= 1;
  }
  const sender = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => sender.send('sentinel', targets.udpPort, '127.0.0.1', () => resolve()));
  sender.close();
  await waitFor(() => seen.udp > before.udp);
  seen.udp -= 1;
}
async function waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 300 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(condition()).toBe(true);
}

beforeAll(async () => {
  if (!existsSync(guardsEntry)) throw new Error(`${guardsEntry} is missing: run npm run build first`);
  hostnameAddresses = await lookup(targets.hostname, { all: true }).then(
    (found) => found.map((entry) => entry.address),
    () => [],
  );
  dir = await realpath(await mkdtemp(path.join(tmpdir(), 'oko-guards-')));
  insideDir = path.join(dir, 'inside');
  await mkdir(insideDir);
  await mkdir(path.join(dir, 'outside'));
  outsideSocket = path.join(dir, 'outside/s.sock');
  await symlink(outsideSocket, path.join(insideDir, 'link.sock')); // as a plugin package might carry one

  const web = http.createServer((_req, res) => res.end('ok')).on('connection', () => (seen.tcp += 1));
  await listenOn(web, { port: 0, host: '127.0.0.1' });
  const backend = http.createServer((_req, res) => res.end('backend')).on('connection', () => (seen.denied += 1));
  await listenOn(backend, { port: 0 }); // every address, as a backend may listen
  const unix = net.createServer((socket) => socket.end()).on('connection', () => (seen.unix += 1));
  await listenOn(unix, { path: outsideSocket });
  const udp = dgram.createSocket('udp4').on('message', () => (seen.udp += 1));
  await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', resolve));
  closers.push(() => udp.close());
  // --inspect-port=0: should a guard fail, the inspector SIGUSR1 opens takes a free port, not 9229.
  const backendProcess = spawn(process.execPath, ['--inspect-port=0', '-e', 'setInterval(() => {}, 60000)'], { stdio: 'ignore' });
  closers.push(() => backendProcess.kill());
  Object.assign(targets, {
    tcpPort: port(web),
    deniedPort: port(backend),
    udpPort: udp.address().port,
    outsideSocket,
    insideDir,
    backendPid: backendProcess.pid,
  });
});

afterAll(async () => {
  for (const close of closers) close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe(`plugin process guards (Node ${process.version})`, () => {
  it('without permissions: no network, DNS, listening, outside Unix socket or foreign signal, however it is reached', async () => {
    const refused = [
      ...['fetch', 'fetchLocalhost', 'http', 'https', 'tls', 'http2', 'net', 'netSocketConnect', 'esmImport', 'esmImportAfterResync'],
      ...['esmKill', 'esmCreateHook', 'esmLookup'],
      ...['dgram', 'dgramName', 'dgramConnect', 'listenTcp', 'listenHttp', 'bindUdp'],
      ...['unixOutside', 'unixOutsideHttp', 'unixOutsideListen', 'unixOutsideRelative', 'unixThroughLink'],
      ...['dnsLookup', 'dnsPromisesLookup', 'dnsResolve4', 'dnsResolver', 'dnsLookupService', 'dnsSetServers', 'rawChannelQuery'],
      ...['killParent', 'killParentRaw', 'killGroup', 'setPriorityParent', 'debugProcessBackend'],
      ...['rawTcpConstructor', 'rawTcpPrototype', 'rawTcpPortOverflow', 'rawTcpMapped', 'rawTcpListen', 'rawTcpBindDenied'],
      ...['rawPipe', 'rawPipeBind', 'rawPipeAbstract', 'rawUdpSend', 'rawUdpSendViaGetter', 'rawUdpConnect', 'rawUdpBind'],
      ...['patchedBuiltins', 'v8Flags', 'asyncHook'],
    ];
    const allowed = ['killSelf', 'unixInside'];
    const failed = ['redefinePrototype', 'reinstall', 'processBinding', 'moduleRegister'];
    // the prototype attack comes before more raw attempts, which must still be refused after it
    const results = await run({}, [...allowed, 'redefinePrototype', ...refused, ...failed.slice(1)]);

    expect(resultsOf(results)).toEqual({ ...all(refused, 'refused'), ...all(allowed, 'allowed'), ...all(failed, 'failed') });
    const { tcpPort, udpPort } = targets;
    expect(results.fetch!.message).toBe(
      `network access to 127.0.0.1:${tcpPort} is not granted (declare it in manifest.json permissions.network)`,
    );
    expect(results.dgram!.message).toBe(
      `network access to 127.0.0.1:${udpPort} is not granted (declare it in manifest.json permissions.network)`,
    );
    expect(results.listenTcp!.message).toBe('listening on port 0 is not granted (declare "listen": true in manifest.json permissions)');
    expect(results.unixOutside!.message).toMatch(/^Unix socket ".*outside\/s\.sock" is not granted: outside the plugin folders/);
    expect(results.unixThroughLink!.message).toMatch(/link\.sock" is not granted: it leads outside the plugin folders through a link/);
    expect(results.dnsLookup!.message).toMatch(/^DNS lookup of localhost is not granted: DNS needs a network permission/);
    expect(results.killParent!.message).toMatch(
      /^sending a signal to process \d+ is not granted: a plugin may signal only its own process/,
    );
    expect(results.debugProcessBackend!.message).toMatch(/^starting the inspector of process \d+ is not granted/);
    expect(results.redefinePrototype!.message).toMatch(/Cannot (delete|redefine) property/);
    expect(results.reinstall!.message).toMatch(/already installed/);
    expect(results.processBinding!.code).toBe('ERR_ACCESS_DENIED'); // Node's part, which the guards rely on
    expect(results.moduleRegister!.code).toBe('ERR_ACCESS_DENIED');

    await settle();
    expect(seen).toEqual({ tcp: 0, denied: 0, udp: 0, unix: 0 });
  });

  it('a declared 127.0.0.1:* reaches the test server but never a denied port, by any loopback spelling', async () => {
    const refused = [
      'fetchDenied',
      'httpDenied',
      'netDenied',
      'netDeniedOtherLoopback',
      'netDeniedMapped',
      'netLocalhostDenied',
      'httpAgentLookup',
    ];
    const rawRefused = [
      'stealOriginals',
      'localPortDenied',
      'rawTcpConstructor',
      'rawTcpPrototype',
      'rawTcpMapped',
      'rawTcpPortOverflow',
      'rawUdpConnect',
      'dnsSetServers',
      'listenTcp',
    ];
    const allowed = ['fetch', 'http', 'net', 'netLocalhost', 'dgram', 'dgramConnect', 'dnsLookup'];
    const results = await run({ network: ['127.0.0.1:*'] }, [...refused, ...rawRefused, ...allowed]);

    expect(resultsOf(results)).toEqual({ ...all([...refused, ...rawRefused], 'refused'), ...all(allowed, 'allowed') });
    expect(results.netDenied!.message).toBe(
      `network access to 127.0.0.1:${targets.deniedPort} is not granted: it is the backend's or the store's own port, which no permission reaches`,
    );
    await settle();
    expect(seen.denied).toBe(0);
    expect(seen.tcp).toBeGreaterThan(0);
  });

  it('a declared name reaches only what that name resolves to, never a denied port, an IP literal or a claimed name', async () => {
    const refused = [
      'fetchLocalhostDenied',
      'netLocalhostDenied',
      'net',
      'fetch',
      'dgram',
      'rawTcpAllowedHost',
      'httpAgentLookup',
      'forgeLookup',
      'storageLeak',
    ];
    const allowed = ['fetchLocalhost', 'netLocalhost', 'dgramName'];
    const results = await run({ network: ['localhost:*'] }, [...refused, ...allowed]);

    expect(resultsOf(results)).toEqual({ ...all(refused, 'refused'), ...all(allowed, 'allowed') });
    expect(results.fetchLocalhostDenied!.message).toMatch(
      new RegExp(
        `^network access to localhost:${targets.deniedPort} \\((127\\.0\\.0\\.1|\\[0:0:0:0:0:0:0:1\\])\\) is not granted: it is the backend's`,
      ),
    );
    await settle();
    expect(seen.denied).toBe(0);
  });

  it('a name that the check and the resolver could read differently matches no pattern', async () => {
    const results = await run({ network: ['*.example.com:*'] }, ['netNulName', 'dgramNulName']);
    expect(resultsOf(results)).toEqual({ netNulName: 'refused', dgramNulName: 'refused' });
    expect(results.netNulName!.message).toMatch(/is not granted: not a plain ASCII host name/);
  });

  it('a plugin may signal its own process, which ends it', async () => {
    const { results, exit } = await attempt({}, ['killSelfTerm']);
    expect(exit).toBe('SIGTERM');
    expect(results).toEqual({});
  });

  // DNS rebinding: a declared name that resolves to this machine. The host's own name does on most
  // machines (/etc/hosts); where it does not, there is no such name to try without a DNS server.
  it('a declared name that resolves to this machine does not reach it', async (context) => {
    if (!hostnameIsLocal()) return context.skip();
    const results = await run({ network: [`${targets.hostname}:*`] }, ['netHostname', 'netLocalhost']);
    expect(resultsOf(results)).toEqual({ netHostname: 'refused', netLocalhost: 'refused' });
    expect(results.netHostname!.message).toMatch(/the name resolves to an address of this machine, which only an IP pattern/);
  });

  it('listen: true allows servers and fixed UDP ports, but never on a denied port', async () => {
    const results = await run({ listen: true }, ['listenTcp', 'listenHttp', 'bindUdp', 'listenDenied', 'rawTcpBindDenied', 'rawUdpBind']);
    expect(resultsOf(results)).toEqual({
      ...all(['listenTcp', 'listenHttp', 'bindUdp'], 'allowed'),
      ...all(['listenDenied', 'rawTcpBindDenied', 'rawUdpBind'], 'refused'),
    });
  });
});
