import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import yazl from 'yazl';
import { startService, type RunningService } from './service.js';

/** Helpers for tests that run a real store and a real backend together. */

const root = path.resolve(import.meta.dirname, '..');
export const STORE_ENTRY = path.join(root, 'packages/store/dist/server.js');
export const BACKEND_ENTRY = path.join(root, 'packages/backend/dist/server.js');

export interface PluginFixture {
  name: string;
  version?: string;
  description?: string;
  author?: string;
  capabilities?: string[];
  /** Extra files beside manifest.json and index.js. */
  files?: Record<string, string | Buffer>;
}

/** The files of a small working plugin: a ping route and, per capability `exec.x.y`, an action `x.y`. */
export function pluginFiles(fixture: PluginFixture): Record<string, string | Buffer> {
  const capabilities = fixture.capabilities ?? [];
  const manifest = {
    name: fixture.name,
    version: fixture.version ?? '1.0.0',
    description: fixture.description ?? `Test plugin ${fixture.name}`,
    author: fixture.author ?? 'Test Author',
    capabilities,
  };
  const actions = capabilities
    .filter((capability) => capability.startsWith('exec.'))
    .map((capability) => `  ctx.actions.register(${JSON.stringify(capability.slice(5))}, async (payload) => ({ done: true, payload }));`)
    .join('\n');
  const index = `export async function setup(ctx) {\n  ctx.routes.get('/ping', async () => ({ pong: true }));\n${actions}\n}\nexport async function teardown() {}\n`;
  return { 'manifest.json': JSON.stringify(manifest, null, 2), 'index.js': index, ...fixture.files };
}

export async function zipFiles(files: Record<string, string | Buffer>): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const [name, content] of Object.entries(files)) zip.addBuffer(Buffer.from(content), name);
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

export async function pluginZip(fixture: PluginFixture): Promise<Buffer> {
  return zipFiles(pluginFiles(fixture));
}

export function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** POST /plugins/upload/zip as a browser would (multipart field `file`). */
export async function uploadZip(baseUrl: string, zip: Buffer, options: { apiKey?: string; filename?: string } = {}): Promise<Response> {
  const form = new FormData();
  form.set('file', new Blob([zip], { type: 'application/zip' }), options.filename ?? 'plugin.zip');
  const headers: Record<string, string> = options.apiKey ? { 'x-api-key': options.apiKey } : {};
  return fetch(baseUrl, { method: 'POST', body: form, headers });
}

export async function tempDir(prefix: string): Promise<string> {
  return mkdtemp(path.join(tmpdir(), `oko-${prefix}-`));
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

/** Names in a folder, sorted; [] when it does not exist. */
export async function listDir(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).sort();
  } catch {
    return [];
  }
}

export interface StoreOptions {
  storageDir: string;
  env?: Record<string, string>;
  port?: number;
}

export function startStore(options: StoreOptions): Promise<RunningService> {
  return startService({
    entry: STORE_ENTRY,
    portEnv: 'OKO_STORE_PORT',
    port: options.port,
    // An empty catalog unless a test asks for the seeded example plugins: counts stay exact.
    env: { OKO_STORE_STORAGE_PATH: options.storageDir, OKO_STORE_HOST: '127.0.0.1', OKO_STORE_SEED: 'false', ...options.env },
  });
}

export interface BackendOptions {
  storeUrl: string;
  pluginsDir: string;
  dataDir: string;
  env?: Record<string, string>;
  uid?: number;
  gid?: number;
  /** Runs node through this command, e.g. prlimit to give the backend a resource limit. */
  launcher?: string[];
}

export function startBackend(options: BackendOptions): Promise<RunningService> {
  return startService({
    entry: BACKEND_ENTRY,
    portEnv: 'OKO_PORT',
    uid: options.uid,
    gid: options.gid,
    launcher: options.launcher,
    env: {
      OKO_HOST: '127.0.0.1',
      OKO_STORE_URL: options.storeUrl,
      OKO_PLUGINS_DIR: options.pluginsDir,
      OKO_DATA_DIR: options.dataDir,
      // Tests ship their own plugins; the backend's builtin ones would only add noise.
      OKO_BUILTIN_PLUGINS_DIR: '',
      // A busy test machine can make a healthy store slower than the 3 s default; tests that
      // exercise the timeout set their own. A dead store is refused at once either way.
      OKO_STORE_TIMEOUT_MS: '20000',
      ...options.env,
    },
  });
}

/** `${service.url}/api/v1` */
export function api(service: RunningService): string {
  return `${service.url}/api/v1`;
}

/** Asserts the one error shape of DESIGN.md: status, `{error:{code, message}}`, no stack. */
export async function expectErrorAnswer(res: Response, status: number, code: string): Promise<string> {
  const text = await res.text();
  if (res.status !== status) throw new Error(`expected HTTP ${status} ${code}, got ${res.status}: ${text}`);
  const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
  if (body.error?.code !== code) throw new Error(`expected code ${code}, got ${text}`);
  if (typeof body.error.message !== 'string' || body.error.message.length === 0) throw new Error(`no message in ${text}`);
  if (/\n\s+at /.test(text)) throw new Error(`stack trace in answer: ${text}`);
  return body.error.message;
}

export async function getJson<T = Record<string, unknown>>(url: string, init?: RequestInit): Promise<{ status: number; body: T }> {
  const res = await fetch(url, init);
  return { status: res.status, body: (await res.json()) as T };
}

export function post(url: string, body?: unknown): Promise<Response> {
  return body === undefined
    ? fetch(url, { method: 'POST' })
    : fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}
