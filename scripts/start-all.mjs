// Starts the whole system for `npm start`: the store, then the backend pointed at it.
// Each service is its own process, as in production; Ctrl+C stops both.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { startEnv } from './start-env.mjs';

const root = path.resolve(import.meta.dirname, '..');
const services = [
  { name: 'store', entry: 'packages/store/dist/server.js' },
  { name: 'backend', entry: 'packages/backend/dist/server.js' },
].filter((s) => existsSync(path.join(root, s.entry)));

// The store URL the backend needs, and the examples' key trusted (scripts/start-env.mjs).
const env = startEnv(process.env, root);

const children = services.map(({ name, entry }) => {
  // Its own process group, so a Ctrl+C in the terminal reaches only this launcher, which passes one
  // SIGTERM on: a service that got the terminal's SIGINT and then ours would take the second
  // signal as "stop now" and skip its graceful close.
  const child = spawn(process.execPath, [path.join(root, entry)], { cwd: root, stdio: 'inherit', env, detached: true });
  child.on('exit', (code, signal) => {
    console.log(`[start] ${name} exited (${signal ?? code})${stopping ? '' : '; stopping the rest'}`);
    shutdown(code ?? 1);
  });
  return child;
});

// A supervisor, not a server, so no close-with-grace: it waits for its children (each bounds its
// own close) and exits with the code of the one that failed first, not 0 on a fixed timer.
let stopping = false;
function shutdown(exitCode) {
  if (stopping) return;
  stopping = true;
  process.exitCode = exitCode;
  signalChildren('SIGTERM');
  // Past the services' own bounds (10 s store, 15 s backend), end what is left.
  setTimeout(() => signalChildren('SIGKILL'), 20_000).unref();
}
function signalChildren(signal) {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill(signal);
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  // A second Ctrl+C passes a second signal on, which the services take as "stop now".
  process.on(signal, () => (stopping ? signalChildren('SIGTERM') : shutdown(0)));
}

// Say which URL to open once the dashboard answers and sees its store (the store seeds its catalog
// before it listens, so on a first run it comes up a moment after the backend).
const host = process.env.OKO_HOST || '127.0.0.1';
const dashboard = `http://${host === '0.0.0.0' || host === '::' ? 'localhost' : host}:${process.env.OKO_PORT || '8000'}`;
async function announce(deadline) {
  while (Date.now() < deadline && !stopping) {
    const ok = await fetch(`${dashboard}/api/v1/store/health`).then(
      async (r) => r.ok && ((await r.json()).available === true || !services.some((s) => s.name === 'store')),
      () => false,
    );
    if (ok) return console.log(`\n[start] OKO dashboard is ready: open ${dashboard}\n`);
    await new Promise((r) => setTimeout(r, 300));
  }
}
if (services.some((s) => s.name === 'backend')) void announce(Date.now() + 60_000);
