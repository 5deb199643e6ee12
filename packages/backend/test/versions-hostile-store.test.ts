import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { access, readdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fakeStoreSetup } from './fake-store-setup.js';
import { versionedFiles } from './versions-setup.js';
import { expectErrorAnswer } from '../../../test-support/errors.js';
import { sha256, zipFiles } from '../../../test-support/fixtures.js';
import { api, getJson, post, request } from '../../../test-support/http.js';

// A hostile store on the versions paths: each test feeds in one lie (an id that is a path, a
// catalog version the package does not have, a plan whose permissions or ids are not the
// package's) and checks that the backend does not act on it.

const { backendFor, track } = fakeStoreSetup('versions-hostile');

interface Listed {
  entry: Record<string, unknown> & { id: string; name: string; version: string };
  zip: Buffer;
  /** Other refs the store answers with this entry (a lie). */
  aliases?: string[];
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
    const ref = parts[1];
    const item =
      items.find((i) => i.entry.id === ref) ?? items.find((i) => i.entry.name === ref) ?? items.find((i) => i.aliases?.includes(ref));
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

const put = (url: string, body: unknown) =>
  request(url, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

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

  it('installs a dependency only as the plan showed it: its permissions, its plugin, its version', async () => {
    const app = await listed('appid0000001', 'needy', '1.0.0', { dependencies: { helper: '^1.0.0' } });
    // The plan shows helper with no permissions; its package asks for a host.
    const helper = await listed('helperid0001', 'helper', '1.0.0', { permissions: { network: ['evil.example:443'] } });
    const shown = { created_at: '2026-01-01T00:00:00Z', changelog: null, engines: null, dependencies: {} };
    const step = { ...shown, id: 'helperid0001', version: '1.0.0', size: helper.zip.length, sha256: helper.entry.sha256 };
    const planned = { ...step, permissions: { network: [], listen: false, env: [], read: [] } };
    const { backend } = await backendFor(await hostileStore([app, helper], { helper: [planned] }), 'plan-permissions');
    const plan = await post(`${api(backend)}/store/needy/install`);
    expect(((await plan.json()) as { error: { details: { install: unknown[] } } }).error.details.install).toHaveLength(1);
    await expectErrorAnswer(await post(`${api(backend)}/store/needy/install`, { accept_dependencies: true }), 409, 'PERMISSIONS_CHANGED');
    await expectErrorAnswer(await request(`${api(backend)}/plugins/helper`), 404, 'PLUGIN_NOT_FOUND');

    // The plan's id for helper is another plugin's entry.
    const other = await listed('otherid00001', 'other', '1.0.0');
    const swapped = { ...planned, id: 'otherid00001', size: other.zip.length, sha256: other.entry.sha256 };
    const { backend: second } = await backendFor(await hostileStore([app, other], { helper: [swapped] }), 'plan-swapped');
    await expectErrorAnswer(await post(`${api(second)}/store/needy/install`, { accept_dependencies: true }), 502, 'BAD_STORE_ANSWER');
    await expectErrorAnswer(await request(`${api(second)}/plugins/other`), 404, 'PLUGIN_NOT_FOUND');
    await expectErrorAnswer(await request(`${api(second)}/plugins/needy`), 404, 'PLUGIN_NOT_FOUND');
  });

  it('an automatic update applies the version its policy picked, not whatever the entry of that id says', async () => {
    const items = [await listed('polid0000001', 'pol', '1.0.0')];
    const versions: Record<string, unknown[]> = {};
    const { backend } = await backendFor(await hostileStore(items, versions), 'policy-lie', { OKO_UPDATE_CHECK_INTERVAL_S: '0' });
    expect((await post(`${api(backend)}/store/pol/install`)).status).toBe(200);
    expect((await put(`${api(backend)}/plugins/pol/update-policy`, { update_policy: 'patch' })).status).toBe(200);
    // The list says 1.0.1 (a patch); the entry behind that id is 2.0.0.
    const major = await listed('polid0000002', 'pol', '2.0.0');
    items.unshift(major);
    const base = {
      created_at: '2026-01-01T00:00:00Z',
      changelog: null,
      engines: null,
      dependencies: {},
      permissions: { network: [], listen: false, env: [], read: [] },
    };
    versions.pol = [{ ...base, id: 'polid0000002', version: '1.0.1', size: major.zip.length, sha256: major.entry.sha256 }];
    const round = await post(`${api(backend)}/store/updates/check`);
    expect(round.status, await round.clone().text()).toBe(200);
    expect(((await round.json()) as { results: Array<{ outcome: string }> }).results[0]!.outcome).toBe('failed');
    expect((await getJson<{ version: string }>(`${api(backend)}/plugins/pol`)).body.version).toBe('1.0.0');
  });

  it('plans past versions that are not semver instead of failing with a 500', async () => {
    const app = await listed('appid0000002', 'picky', '1.0.0', { dependencies: { helper2: '^1.0.0' } });
    const helper = await listed('helperid0002', 'helper2', '1.0.0');
    const base = { created_at: '2026-01-01T00:00:00Z', changelog: null, engines: null, dependencies: {} };
    const permissions = { network: [], listen: false, env: [], read: [] };
    const good = { ...base, permissions, id: 'helperid0002', version: '1.0.0', size: helper.zip.length, sha256: helper.entry.sha256 };
    const bad = { ...good, id: 'helperid0003', version: 'banana' };
    const { backend } = await backendFor(await hostileStore([app, helper], { helper2: [bad, good, bad] }), 'plan-semver');
    const answer = await post(`${api(backend)}/store/picky/install`, { accept_dependencies: true });
    expect(answer.status, await answer.clone().text()).toBe(200);
    expect((await getJson<{ version: string }>(`${api(backend)}/plugins/helper2`)).body.version).toBe('1.0.0');
  });

  it('installs a plugin only with the permissions its catalog entry lists (what the confirm dialog showed)', async () => {
    const none = { network: [], listen: false, env: [], read: [] };
    const quiet = await listed('quietid00001', 'quiet', '1.0.0', { permissions: { network: ['evil.example:443'] } }, { permissions: none });
    const { backend } = await backendFor(await hostileStore([quiet]), 'entry-permissions');
    const message = await expectErrorAnswer(await post(`${api(backend)}/store/quiet/install`), 409, 'PERMISSIONS_CHANGED');
    expect(message).toContain('evil.example');
    await expectErrorAnswer(await request(`${api(backend)}/plugins/quiet`), 404, 'PLUGIN_NOT_FOUND');
  });

  it("never moves another plugin when the store answers a name with another plugin's entry", async () => {
    const items: Listed[] = [await listed('bystander001', 'bystander', '1.0.0')];
    const { backend } = await backendFor(await hostileStore(items), 'name-swap');
    expect((await post(`${api(backend)}/store/bystander/install`)).status).toBe(200);
    items.unshift({ ...(await listed('bystander002', 'bystander', '2.0.0')), aliases: ['target'] });
    await expectErrorAnswer(await post(`${api(backend)}/store/target/update`), 502, 'BAD_STORE_ANSWER');
    await expectErrorAnswer(await post(`${api(backend)}/store/target/install`), 502, 'BAD_STORE_ANSWER');
    expect((await getJson<{ version: string }>(`${api(backend)}/plugins/bystander`)).body.version).toBe('1.0.0');
  });

  it('installs and updates only what the caller showed for consent (`expect`): another plugin, version or wider permissions are refused', async () => {
    const none = { network: [], listen: false, env: [], read: [] };
    const wide = { network: ['evil.example:443'], listen: false, env: [], read: [] };
    // A history that lists another plugin's entry under this name: "Install this version" names its id.
    const items: Listed[] = [await listed('shown0000001', 'shown', '1.0.0'), await listed('other0000001', 'other', '1.0.0')];
    const { backend } = await backendFor(await hostileStore(items), 'expect');
    const showing = (version: string, permissions: object = none) => ({ expect: { name: 'shown', version, permissions } });
    const swapped = await post(`${api(backend)}/store/other0000001/install`, showing('1.0.0'));
    expect(await expectErrorAnswer(swapped, 502, 'BAD_STORE_ANSWER')).toContain('shown 1.0.0 was chosen');
    await expectErrorAnswer(await request(`${api(backend)}/plugins/other`), 404, 'PLUGIN_NOT_FOUND');
    expect((await post(`${api(backend)}/store/shown0000001/install`, showing('1.0.0'))).status).toBe(200);
    // The update dialog showed 1.1.0 asking for nothing; the store's package asks for the network.
    items.push(await listed('shown0000002', 'shown', '1.1.0', { permissions: wide }, { permissions: wide }));
    const widened = await post(`${api(backend)}/store/shown0000002/update`, { ...showing('1.1.0'), accept_permissions: true });
    expect(await expectErrorAnswer(widened, 409, 'PERMISSIONS_CHANGED')).toContain('evil.example');
    const wrongVersion = await post(`${api(backend)}/store/shown0000002/update`, { ...showing('1.2.0', wide), accept_permissions: true });
    await expectErrorAnswer(wrongVersion, 502, 'BAD_STORE_ANSWER');
    expect((await getJson<{ version: string }>(`${api(backend)}/plugins/shown`)).body.version).toBe('1.0.0');
    const shownAsIs = await post(`${api(backend)}/store/shown0000002/update`, { ...showing('1.1.0', wide), accept_permissions: true });
    expect(shownAsIs.status).toBe(200);
  });
});
