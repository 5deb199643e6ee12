import type { IncomingMessage, ServerResponse } from 'node:http';
import { expect } from 'vitest';
import { pluginFiles, zipFiles } from '../../../test-support/fixtures.js';
import { api, uploadZip } from '../../../test-support/http.js';
import type { TestStore } from '../../../test-support/store-app.js';

/** A plugin package with `engines` and `dependencies` in its manifest. */
export interface DependencyFixture {
  name: string;
  version?: string;
  engines?: string;
  dependencies?: Record<string, string>;
  permissions?: Record<string, unknown>;
  /** Extra files (page_manifest.yaml, say). */
  files?: Record<string, string>;
}

export function dependencyFiles(fixture: DependencyFixture): Record<string, string> {
  const files = pluginFiles({ name: fixture.name, version: fixture.version ?? '1.0.0' }) as Record<string, string>;
  const manifest = JSON.parse(files['manifest.json']!) as Record<string, unknown>;
  if (fixture.engines !== undefined) manifest.engines = { oko: fixture.engines };
  if (fixture.dependencies) manifest.dependencies = fixture.dependencies;
  if (fixture.permissions) manifest.permissions = fixture.permissions;
  return { ...files, 'manifest.json': JSON.stringify(manifest, null, 2), ...fixture.files };
}

/** Publishes `fixture` to the in-process store; answers its catalog id. */
export async function publish(store: TestStore, fixture: DependencyFixture): Promise<string> {
  const res = await uploadZip(`${api(store)}/plugins/upload/zip`, await zipFiles(dependencyFiles(fixture)));
  expect(res.status, await res.clone().text()).toBeLessThan(300);
  return ((await res.json()) as { plugin_id: string }).plugin_id;
}

/**
 * Until the store serves GET /plugins/{name}/versions (another part of the same issue), answers it
 * in front of the in-process store from the store's own entries, in the same shape. Once the store
 * has the route, requests go to it untouched.
 */
export function serveVersionHistory(store: TestStore): void {
  const app = store.app;
  if (app.printRoutes().includes('versions')) return;
  const server = app.server;
  const [original] = server.listeners('request') as Array<(req: IncomingMessage, res: ServerResponse) => void>;
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const match = /^\/api\/v1\/plugins\/([^/?]+)\/versions(?:\?|$)/.exec(req.url ?? '');
    if (!match || req.method !== 'GET') return original!.call(server, req, res);
    void versionsOf(store, decodeURIComponent(match[1]!)).then(({ status, body }) =>
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body)),
    );
  });
}

async function versionsOf(store: TestStore, name: string): Promise<{ status: number; body: unknown }> {
  const list = await store.app.inject({ url: `/api/v1/plugins?all_versions=true&per_page=100&q=${encodeURIComponent(name)}` });
  const ids = (list.json() as { plugins: Array<{ id: string; name: string }> }).plugins.filter((p) => p.name === name).map((p) => p.id);
  if (ids.length === 0) return { status: 404, body: { error: { code: 'PLUGIN_NOT_FOUND', message: `No plugin '${name}'` } } };
  const versions = await Promise.all(
    ids.map(async (id) => {
      const entry = (await store.app.inject({ url: `/api/v1/plugins/${id}` })).json() as Record<string, unknown> & {
        manifest: { engines?: { oko?: string }; dependencies?: Record<string, string> };
      };
      return {
        id,
        version: entry.version,
        created_at: entry.created_at,
        size: entry.size,
        sha256: entry.sha256,
        changelog: null,
        permissions: entry.permissions,
        engines: entry.manifest.engines?.oko ?? null,
        dependencies: entry.manifest.dependencies ?? {},
      };
    }),
  );
  return { status: 200, body: { name, versions } };
}
