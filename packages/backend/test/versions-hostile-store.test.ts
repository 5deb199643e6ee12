import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { access, readdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fakeStoreSetup } from './fake-store-setup.js';
import { versionedFiles } from './versions-setup.js';
import { expectErrorAnswer } from '../../../test-support/errors.js';
import { sha256, zipFiles } from '../../../test-support/fixtures.js';
import { api, getJson, post } from '../../../test-support/http.js';

// A hostile store on the versions paths: each test feeds in one lie (an id that is a path, a
// catalog version the package does not have, a plan whose permissions or ids are not the
// package's) and checks that the backend does not act on it.

const { backendFor, track } = fakeStoreSetup('versions-hostile');

interface Listed {
  entry: Record<string, unknown> & { id: string; name: string; version: string };
  zip: Buffer;
}

/** A store that answers entries by id or name (the first listed wins), downloads by id and version lists as given. */
async function hostileStore(items: Listed[], versions: Record<string, unknown[]> = {}) {
  const json = (res: ServerResponse, status: number, body: unknown) =>
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  const server = createServer((req, res) => {
    const parts = (req.url ?? '')
      .split('?')[0]!
      .replace(/^\/api\/v1\//, '')
      .split('/')
      .map(decodeURIComponent);
    if (parts[0] === 'health') return json(res, 200, { status: 'healthy', version: 'x', plugins_count: items.length });
    if (parts[0] !== 'plugins' || !parts[1]) return json(res, 404, { error: { code: 'ROUTE_NOT_FOUND', message: 'no' } });
    if (parts[2] === 'versions') {
      const list = versions[parts[1]];
      if (!list) return json(res, 404, { error: { code: 'PLUGIN_NOT_FOUND', message: 'no' } });
      return json(res, 200, { name: parts[1], versions: list });
    }
    const item = items.find((i) => i.entry.id === parts[1]) ?? items.find((i) => i.entry.name === parts[1]);
    if (!item) return json(res, 404, { error: { code: 'PLUGIN_NOT_FOUND', message: 'no' } });
    if (parts[2] === 'download') {
      return res.writeHead(200, { 'content-type': 'application/zip', 'content-length': String(item.zip.length) }).end(item.zip);
    }
    return json(res, 200, item.entry);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1`;
  track({
    stop: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  });
  return url;
}

async function listed(id: string, name: string, version: string, manifestExtra: object = {}, entryExtra: object = {}): Promise<Listed> {
  const files = versionedFiles(name, version, '', manifestExtra);
  const zip = await zipFiles(files);
  const manifest = JSON.parse(files['manifest.json']!) as object;
  return {
    zip,
    entry: { id, name, version, description: 'x', size: zip.length, sha256: sha256(zip), manifest, ...entryExtra },
  };
}

const exists = (file: string) =>
  access(file).then(
    () => true,
    () => false,
  );

describe('the versions paths do not take a hostile store at its word', () => {
  it('never writes the package cache outside its folder for an id that is a path, nor lets an id clobber history.json', async () => {
    const items = [await listed('goodid000001', 'trav', '1.0.0')];
    const { backend, dataDir } = await backendFor(await hostileStore(items), 'traversal');
    const first = await post(`${api(backend)}/store/goodid000001/install`);
    expect(first.status, await first.clone().text()).toBe(200);
    items.unshift(await listed('../../escaped', 'trav', '1.1.0'));
    await post(`${api(backend)}/store/trav/update`);
    expect(await exists(path.join(dataDir, 'escaped.zip'))).toBe(false);
    expect(await exists(path.join(dataDir, 'escaped.json'))).toBe(false);
    items.unshift(await listed('history', 'trav', '1.2.0'));
    await post(`${api(backend)}/store/trav/update`);
    // The first version is still kept: a lying id did not wipe the history.
    const cached = (await getJson<{ versions: { cached_versions: string[] } }>(`${api(backend)}/plugins/trav`)).body.versions;
    expect(cached.cached_versions).toContain('1.0.0');
    expect((await readdir(path.join(dataDir, 'packages', 'trav'))).filter((f) => f.startsWith('history'))).toEqual(['history.json']);
  });

  it('refuses a package whose manifest version is not the catalog version, so a store cannot downgrade past DOWNGRADE', async () => {
    const items = [await listed('version00015', 'liar', '1.5.0')];
    const { backend } = await backendFor(await hostileStore(items), 'version-lie');
    expect((await post(`${api(backend)}/store/liar/install`)).status).toBe(200);
    // "2.0.0" in the catalog, 1.0.0 in the package.
    const old = await listed('version00020', 'liar', '1.0.0');
    items.unshift({ zip: old.zip, entry: { ...old.entry, version: '2.0.0' } });
    const message = await expectErrorAnswer(await post(`${api(backend)}/store/liar/update`), 422, 'INVALID_PACKAGE');
    expect(message).toContain('2.0.0');
    expect((await getJson<{ version: string }>(`${api(backend)}/plugins/liar`)).body.version).toBe('1.5.0');
  });
});
