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

const children = services.map(({ name, entry }) => {
  const child = spawn(process.execPath, [path.join(root, entry)], { cwd: root, stdio: 'inherit', env: process.env });
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
