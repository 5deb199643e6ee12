// Starts the whole system for `npm start`: the store, then the backend pointed at it.
// Each service is its own process, as in production. When one stops, the other keeps running (the
// dashboard works without its store) and the launcher says so; Ctrl+C stops both; the launcher
// ends when both are gone.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { lineFormatter, prefixFor, readyLine, relayLines } from './service-output.mjs';
import { startEnv } from './start-env.mjs';

const root = path.resolve(import.meta.dirname, '..');
const services = [
  { name: 'store', title: 'the store', script: 'start:store', entry: 'packages/store/dist/server.js' },
  { name: 'backend', title: 'the dashboard', script: 'start:backend', entry: 'packages/backend/dist/server.js' },
].filter((s) => existsSync(path.join(root, s.entry)));

// The store URL the backend needs, and the examples' key trusted (scripts/start-env.mjs).
const env = startEnv(process.env, root);
const colour = process.stdout.isTTY === true && !('NO_COLOR' in process.env);
// OKO_START_REQUESTS=all prints every request (two lines each); by default only the failed ones.
const requests = process.env.OKO_START_REQUESTS === 'all' ? 'all' : 'failed';
const width = Math.max(...services.map((s) => s.name.length));

const running = new Map();
for (const service of services) {
  // Its own process group, so a Ctrl+C in the terminal reaches only this launcher, which passes one
  // SIGTERM on: a service that got the terminal's SIGINT and then ours would take the second
  // signal as "stop now" and skip its graceful close.
  const child = spawn(process.execPath, [path.join(root, service.entry)], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env,
    detached: true,
  });
  const prefix = prefixFor(service.name, width, colour);
  const format = await lineFormatter({ colour, requests });
  relayLines(child.stdout, process.stdout, prefix, format);
  relayLines(child.stderr, process.stderr, prefix, format);
  child.on('exit', (code, signal) => stopped(service, code, signal));
  running.set(service.name, child);
}

let stopping = false;
function stopped(service, code, signal) {
  running.delete(service.name);
  const how = signal ? `signal ${signal}` : `exit code ${code}`;
  // The first failure decides the launcher's own exit code; a Ctrl+C alone ends it with 0.
  if (!stopping && (signal || code !== 0) && !process.exitCode) process.exitCode = code || 1;
  const others = services.filter((s) => running.has(s.name));
  if (stopping || others.length === 0) {
    console.log(`[start] ${service.title} stopped (${how})`);
  } else {
    const keeps = others.map((s) => s.title).join(' and ');
    const without = service.name === 'store' ? ' without it (store pages say it is unavailable)' : '';
    console.log(
      `[start] ${service.title} stopped (${how}); ${keeps} keeps running${without}. ` +
        `Restart it with \`npm run ${service.script}\` in another terminal, or stop everything with Ctrl+C and run \`npm start\` again.`,
    );
  }
  // Nothing else holds the event loop: with both children gone, the launcher ends by itself.
  if (running.size === 0 && !stopping) console.log('[start] nothing is running any more; exiting');
}

// A supervisor, not a server, so no close-with-grace: it waits for its children (each bounds its own
// close) and exits once both are gone.
function shutdown() {
  if (stopping) return signalChildren('SIGTERM'); // a second Ctrl+C: the services take it as "stop now"
  stopping = true;
  signalChildren('SIGTERM');
  // Past the services' own bounds (10 s store, 15 s backend), end what is left.
  setTimeout(() => signalChildren('SIGKILL'), 20_000).unref();
}
function signalChildren(signal) {
  for (const child of running.values()) child.kill(signal);
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, shutdown);

// Say which URL to open once the dashboard answers and sees its store (the store seeds its catalog
// before it listens, so on a first run it comes up a moment after the backend).
const host = process.env.OKO_HOST || '127.0.0.1';
const dashboard = `http://${host === '0.0.0.0' || host === '::' ? 'localhost' : host}:${process.env.OKO_PORT || '8000'}`;
async function announce(deadline) {
  while (Date.now() < deadline && !stopping && running.has('backend')) {
    const ok = await fetch(`${dashboard}/api/v1/store/health`).then(
      async (r) => r.ok && ((await r.json()).available === true || !running.has('store')),
      () => false,
    );
    if (ok) return process.stdout.write(readyLine(dashboard, colour));
    await new Promise((r) => setTimeout(r, 300));
  }
}
if (running.has('backend')) void announce(Date.now() + 60_000);
