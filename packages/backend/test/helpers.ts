import { cp, rm } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildTestBackend, type TestBackend } from '../../../test-support/backend-app.js';
import { tempDir } from '../../../test-support/fixtures.js';
import { request } from '../../../test-support/http.js';
import { startBackend, type BackendProcess } from '../../../test-support/processes.js';
import type { Answer } from '../../../test-support/errors.js';

export { eventually } from '../../../test-support/eventually.js';
export { expectErrorAnswer, type Answer } from '../../../test-support/errors.js';

export const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'plugins');

/** Short plugin bounds, so the fixtures that hang or loop fail within a test's time. */
const PLUGIN_BOUNDS = { OKO_PLUGIN_LOAD_TIMEOUT_MS: '2000', OKO_PLUGIN_CALL_TIMEOUT_MS: '1500', OKO_PLUGIN_MEMORY_MB: '48' };

/** What the helpers below need of a backend, in-process or a process. */
export interface Backend {
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
  const root = await tempDir('backend-test');
  const pluginsDir = path.join(root, 'plugins');
  const dataDir = path.join(root, 'data');
  for (const name of fixtures) await cp(path.join(FIXTURES, name), path.join(pluginsDir, name), { recursive: true });
  return { pluginsDir, dataDir, cleanup: () => rm(root, { recursive: true, force: true }) };
}

/** The backend built from source in this process against `dirs` (routes, validation, lifecycle). */
export async function buildBackend(dirs: Dirs, env: Record<string, string> = {}): Promise<Backend & { app: TestBackend['app'] }> {
  const backend = await buildTestBackend({ pluginsDir: dirs.pluginsDir, dataDir: dirs.dataDir, env: { ...PLUGIN_BOUNDS, ...env } });
  return { app: backend.app, url: backend.url, pluginsDir: dirs.pluginsDir, dataDir: dirs.dataDir, stop: backend.close };
}

/** The built backend as its own process against `dirs`: for restart, kill -9 and plugin isolation. */
export async function startBackendProcess(dirs: Dirs, env: Record<string, string> = {}): Promise<BackendProcess> {
  return startBackend({
    pluginsDir: dirs.pluginsDir,
    dataDir: dirs.dataDir,
    env: { OKO_FRONTEND_DIR: path.join(dirs.dataDir, 'no-frontend'), ...PLUGIN_BOUNDS, ...env },
  });
}

export async function api<T = any>(
  backend: Pick<Backend, 'url'>,
  method: string,
  urlPath: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Answer<T> & { headers: Headers }> {
  const init: RequestInit = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    (init.headers as Record<string, string>)['content-type'] ??= 'application/json';
  }
  const response = await request(`${backend.url}${urlPath}`, init);
  const text = await response.text();
  let parsed: unknown = text;
  if (response.headers.get('content-type')?.includes('json') && text) parsed = JSON.parse(text);
  return { status: response.status, headers: response.headers, body: parsed as T };
}

/** A request over a real socket whose path is sent byte for byte (fetch and inject() would normalise `..` away). */
export function rawRequest(backend: Pick<Backend, 'url'>, method: string, rawPath: string): Promise<Answer & { headers: Headers }> {
  const { hostname, port } = new URL(backend.url);
  return new Promise((resolve, reject) => {
    const outgoing = http.request({ host: hostname, port, method, path: rawPath }, (response) => {
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
    outgoing.on('error', reject);
    outgoing.end();
  });
}
