import { spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

/** Bounds on the search: a development plugin's own source, not its dependencies. */
const MAX_FILES = 100;
const MAX_FILE_BYTES = 1024 * 1024;
const CHECK_TIMEOUT_MS = 5000;

/**
 * The first JavaScript file of `dir` that does not parse, as `file:line`, or undefined. Node 20
 * gives an ES module's syntax error no location (the stack is the loader's), so when a load
 * fails without one this parses each of the plugin's own files with `node --check`: parsing
 * only, nothing runs, and only for a development plugin whose load just failed.
 */
export async function findSyntaxError(dir: string): Promise<string | undefined> {
  const files = await sourceFiles(dir);
  for (const file of files) {
    const line = await checkOne(path.join(dir, file));
    if (line !== undefined) return `${file}:${line}`;
  }
  return undefined;
}

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  return entries
    .filter((entry) => entry.isFile() && /\.(m?js)$/.test(entry.name))
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'))
    .filter((file) => !file.split('/').includes('node_modules'))
    .sort()
    .slice(0, MAX_FILES);
}

/** The line of the syntax error in `file`, read as an ES module from stdin (`--check` of a path would guess its type). */
async function checkOne(file: string): Promise<number | undefined> {
  const source = await readFile(file).catch(() => null);
  if (!source || source.length > MAX_FILE_BYTES) return undefined;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--input-type=module', '--check'], { stdio: ['pipe', 'ignore', 'pipe'], env: {} });
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), CHECK_TIMEOUT_MS);
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(0, 4096)));
    child.on('error', () => resolve(undefined));
    child.on('close', (code) => {
      clearTimeout(timer);
      const match = /^\[stdin\]:(\d+)/m.exec(stderr);
      resolve(code !== 0 && match ? Number(match[1]) : undefined);
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(source);
  });
}
