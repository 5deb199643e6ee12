// Shared by the example plugins' tests: the backend built from source in this process, whose
// plugins folder holds fresh copies of the named examples (and any extra fixture plugins a test
// brings along). Plugins still run in their own sandboxed processes, as in production.
import { cp, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { buildTestBackend, type TestBackend } from '../../test-support/backend-app.js';
import { removeDir, tempDir } from '../../test-support/fixtures.js';
import { getJson, post, request } from '../../test-support/http.js';

const examplesDir = import.meta.dirname;

export interface ExampleBackend {
  backend: TestBackend;
  /** http://127.0.0.1:PORT/api/v1 */
  api: string;
  pluginsDir: string;
  dataDir: string;
  stop: () => Promise<void>;
}

/** Builds the backend with copies of the example plugins `names`. */
export async function startBackendWithExamples(
  names: string[],
  extraPlugins: Record<string, Record<string, string>> = {},
): Promise<ExampleBackend> {
  const root = await tempDir('examples');
  const pluginsDir = path.join(root, 'plugins');
  const dataDir = path.join(root, 'data');
  await mkdir(pluginsDir, { recursive: true });
  for (const name of names) {
    // Tests are not part of the package the store ships, so they are not copied either.
    await cp(path.join(examplesDir, name), path.join(pluginsDir, name), {
      recursive: true,
      filter: (src) => path.basename(src) !== 'test',
    });
  }
  for (const [name, files] of Object.entries(extraPlugins)) {
    for (const [file, content] of Object.entries(files)) {
      await mkdir(path.dirname(path.join(pluginsDir, name, file)), { recursive: true });
      await writeFile(path.join(pluginsDir, name, file), content);
    }
  }
  // No store is needed: these tests exercise installed plugins only. Port 9 (discard) never answers.
  const backend = await buildTestBackend({ storeUrl: 'http://127.0.0.1:9/api/v1', pluginsDir, dataDir });
  return {
    backend,
    api: backend.api,
    pluginsDir,
    dataDir,
    stop: async () => {
      await backend.close();
      await removeDir(root);
    },
  };
}

/** Loads a plugin over HTTP and insists it ends up active (the answer names the error if not). */
export async function loadPlugin(apiBase: string, id: string): Promise<Record<string, unknown>> {
  const res = await post(`${apiBase}/plugins/${id}/load`);
  const body = (await res.json()) as Record<string, unknown>;
  if (res.status !== 200 || body.state !== 'active') throw new Error(`loading ${id} failed: ${res.status} ${JSON.stringify(body)}`);
  return body;
}

export async function send(method: string, url: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await request(url, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

export { getJson, post, request };
export { eventually } from '../../test-support/eventually.js';

/**
 * A fixture plugin that subscribes to `topics` and lists what it received at
 * GET /api/v1/plugins/event-recorder/events: how a test sees events on the real event bus.
 */
export function eventRecorderPlugin(topics: string[]): Record<string, string> {
  return {
    'manifest.json': JSON.stringify({ name: 'event_recorder', version: '1.0.0', description: 'Test fixture: records events' }),
    'index.js': `const seen = [];
export async function setup(ctx) {
  for (const topic of ${JSON.stringify(topics)}) ctx.events.on(topic, (data, meta) => { seen.push({ topic, data, source: meta?.source }); });
  ctx.routes.get('/events', async () => ({ items: seen, total: seen.length }));
}
export async function teardown() {}
`,
  };
}
