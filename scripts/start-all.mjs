// Starts the whole system for `npm start`: the store, then the backend pointed at it.
// Each service is its own process, as in production; Ctrl+C stops both.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const services = [
  { name: 'store', entry: 'packages/store/dist/server.js' },
  { name: 'backend', entry: 'packages/backend/dist/server.js' },
].filter((s) => existsSync(path.join(root, s.entry)));

// The backend talks to the store this script starts, wherever OKO_STORE_HOST/PORT put it.
const storeHost = process.env.OKO_STORE_HOST || '127.0.0.1';
const env = {
  ...process.env,
  OKO_STORE_URL: process.env.OKO_STORE_URL || `http://${storeHost === '0.0.0.0' ? '127.0.0.1' : storeHost}:${process.env.OKO_STORE_PORT || '8001'}/api/v1`,
};

const children = services.map(({ name, entry }) => {
  const child = spawn(process.execPath, [path.join(root, entry)], { cwd: root, stdio: 'inherit', env });
  child.on('exit', (code, signal) => {
    console.log(`[start] ${name} exited (${signal ?? code}); stopping the rest`);
    shutdown(code ?? 1);
  });
  return child;
});

let stopping = false;
function shutdown(code) {
  if (stopping) return;
  stopping = true;
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  setTimeout(() => process.exit(code), 3000).unref();
}
process.on('SIGINT', () => shutdown(0));
process.on('SIGTERM', () => shutdown(0));

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
