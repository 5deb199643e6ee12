import { cp, mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startService, type RunningService } from '../../../test-support/service.js';

export const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'plugins');
const ENTRY = fileURLToPath(new URL('../dist/server.js', import.meta.url));

export interface Backend {
  service: RunningService;
  url: string;
  pluginsDir: string;
  dataDir: string;
  stop: () => Promise<void>;
}

export interface Dirs {
  pluginsDir: string;
  dataDir: string;
  cleanup: () => Promise<void>;
}

/** Fresh plugins and data folders with copies of the named fixtures (tests may rewrite them). */
export async function makeDirs(fixtures: string[]): Promise<Dirs> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'oko-backend-test-'));
  const pluginsDir = path.join(root, 'plugins');
  const dataDir = path.join(root, 'data');
  for (const name of fixtures) await cp(path.join(FIXTURES, name), path.join(pluginsDir, name), { recursive: true });
  return { pluginsDir, dataDir, cleanup: () => rm(root, { recursive: true, force: true }) };
}

/** Starts the real backend process on a free port against `dirs`. */
export async function startBackend(dirs: Dirs, env: Record<string, string> = {}): Promise<Backend> {
  const service = await startService({
    entry: ENTRY,
    portEnv: 'OKO_PORT',
    env: {
      OKO_PLUGINS_DIR: dirs.pluginsDir,
      OKO_DATA_DIR: dirs.dataDir,
      OKO_BUILTIN_PLUGINS_DIR: '',
      OKO_FRONTEND_DIR: path.join(dirs.dataDir, 'no-frontend'),
      OKO_PLUGIN_LOAD_TIMEOUT_MS: '2000',
      OKO_PLUGIN_CALL_TIMEOUT_MS: '1500',
      OKO_PLUGIN_MEMORY_MB: '48',
      ...env,
    },
  });
  return { service, url: service.url, pluginsDir: dirs.pluginsDir, dataDir: dirs.dataDir, stop: () => service.stop() };
}

export interface Answer<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

export async function api<T = any>(backend: Backend, method: string, urlPath: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer<T>> {
  const init: RequestInit = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    (init.headers as Record<string, string>)['content-type'] ??= 'application/json';
  }
  const response = await fetch(`${backend.url}${urlPath}`, init);
  const text = await response.text();
  let parsed: unknown = text;
  if (response.headers.get('content-type')?.includes('json') && text) parsed = JSON.parse(text);
  return { status: response.status, headers: response.headers, body: parsed as T };
}

/** A request whose path is sent byte for byte (fetch would normalise `..` away). */
export function rawRequest(backend: Backend, method: string, rawPath: string): Promise<Answer> {
  const { hostname, port } = new URL(backend.url);
  return new Promise((resolve, reject) => {
    const request = http.request({ host: hostname, port, method, path: rawPath }, (response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => (text += chunk.toString()));
      response.on('end', () => {
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          // not JSON: keep the text
        }
        resolve({ status: response.statusCode ?? 0, headers: new Headers(response.headers as Record<string, string>), body });
      });
    });
    request.on('error', reject);
    request.end();
  });
}

/** Polls until `check` passes; for states reached in the background (restore on startup). */
export async function eventually<T>(fn: () => Promise<T>, check: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (check(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export function expectErrorShape(answer: Answer, status: number, code: string): void {
  if (answer.status !== status || answer.body?.error?.code !== code || typeof answer.body?.error?.message !== 'string') {
    throw new Error(`expected ${status} ${code}, got ${answer.status} ${JSON.stringify(answer.body)}`);
  }
}
