import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expectErrorAnswer } from '../../../test-support/errors.js';
import { request } from '../../../test-support/http.js';
import { pluginFiles, startFakeGithub } from './fake-github.js';
import { buildTestStore, catalogFile, json, pluginZip, uploadFolders, uploadZip, type TestStore } from './helpers.js';

const KEY = 'admin-key-0123456789';
const ADMIN = { 'x-api-key': KEY };
let store: TestStore;

beforeEach(async () => {
  store = await buildTestStore({ env: { OKO_STORE_API_KEY: KEY } });
});
afterEach(async () => {
  await store?.close();
});

async function createToken(name: string, kind: 'publisher' | 'dashboard', on = store): Promise<{ id: string; token: string }> {
  const answer = await request(`${on.api}/publishers`, {
    method: 'POST',
    headers: { ...ADMIN, 'content-type': 'application/json' },
    body: JSON.stringify({ name, kind }),
  });
  expect(answer.status).toBe(201);
  return json(answer);
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const remove = (id: string, headers: Record<string, string>) => request(`${store.api}/plugins/${id}`, { method: 'DELETE', headers });

describe('store tokens', () => {
  it('are created, listed without secrets and stored hashed; only the admin key manages them', async () => {
    const alice = await createToken('alice', 'publisher');
    expect(alice.token).toMatch(/^oko_pub_/);
    const list = await json(await request(`${store.api}/publishers`, { headers: ADMIN }));
    expect(list.publishers).toEqual([{ id: alice.id, name: 'alice', kind: 'publisher', created_at: expect.any(String) }]);
    const onDisk = await readFile(path.join(store.storage, 'publishers.json'), 'utf8');
    expect(onDisk).not.toContain(alice.token);

    await expectErrorAnswer(await request(`${store.api}/publishers`), 401, 'UNAUTHORIZED');
    await expectErrorAnswer(await request(`${store.api}/publishers`, { headers: bearer(alice.token) }), 403, 'TOKEN_NOT_ALLOWED');
    const dupe = await request(`${store.api}/publishers`, {
      method: 'POST',
      headers: { ...ADMIN, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'alice', kind: 'dashboard' }),
    });
    await expectErrorAnswer(dupe, 409, 'PUBLISHER_EXISTS');
    await expectErrorAnswer(
      await request(`${store.api}/publishers/nope`, { method: 'DELETE', headers: ADMIN }),
      404,
      'PUBLISHER_NOT_FOUND',
    );
  });

  it('a revoked token stops working at once', async () => {
    const alice = await createToken('alice', 'publisher');
    expect((await uploadZip(store, pluginZip('alice_one', '1.0.0'), bearer(alice.token))).status).toBe(201);
    expect((await request(`${store.api}/publishers/${alice.id}`, { method: 'DELETE', headers: ADMIN })).status).toBe(200);
    await expectErrorAnswer(await uploadZip(store, pluginZip('alice_one', '1.1.0'), bearer(alice.token)), 401, 'UNAUTHORIZED');
    await expectErrorAnswer(await uploadZip(store, pluginZip('alice_two', '1.0.0'), { 'x-api-key': alice.token }), 401, 'UNAUTHORIZED');
  });

  it('a dashboard token downloads but cannot publish or delete', async () => {
    const dash = await createToken('home-dashboard', 'dashboard');
    const made = await json(await uploadZip(store, pluginZip('shared_one', '1.0.0'), ADMIN));
    const download = await request(`${store.api}/plugins/${made.plugin_id}/download`, { headers: bearer(dash.token) });
    expect(download.status).toBe(200);
    const refused = await expectErrorAnswer(await uploadZip(store, pluginZip('dash_one'), bearer(dash.token)), 403, 'TOKEN_NOT_ALLOWED');
    expect(refused).toContain('home-dashboard');
    await expectErrorAnswer(await remove(made.plugin_id, bearer(dash.token)), 403, 'TOKEN_NOT_ALLOWED');
  });
});

describe('owned plugin names', () => {
  it("a second publisher cannot publish or delete a version of the first's name; the admin key can", async () => {
    const alice = await createToken('alice', 'publisher');
    const bob = await createToken('bob', 'publisher');
    const first = await json(await uploadZip(store, pluginZip('weather', '1.0.0'), bearer(alice.token)));
    expect(first.plugin.publisher).toBe('alice');

    const message = await expectErrorAnswer(await uploadZip(store, pluginZip('weather', '2.0.0'), bearer(bob.token)), 403, 'NOT_OWNER');
    expect(message).toContain("'alice'");
    expect(await expectErrorAnswer(await remove(first.plugin_id, bearer(bob.token)), 403, 'NOT_OWNER')).toContain("'alice'");
    expect((await uploadFolders(store)).length).toBe(1);

    expect((await uploadZip(store, pluginZip('weather', '1.1.0'), bearer(alice.token))).status).toBe(201);
    const byAdmin = await json(await uploadZip(store, pluginZip('weather', '3.0.0'), ADMIN));
    expect(byAdmin.plugin.publisher).toBe('alice');
    expect((await remove(byAdmin.plugin_id, ADMIN)).status).toBe(200);
    expect((await remove(first.plugin_id, bearer(alice.token))).status).toBe(200);
    const list = await json(await request(`${store.api}/plugins`));
    expect(list.plugins.map((p: { publisher: string }) => p.publisher)).toEqual(['alice']);
  });

  it('a name keeps its owner after its last version is deleted', async () => {
    const alice = await createToken('alice', 'publisher');
    const bob = await createToken('bob', 'publisher');
    const first = await json(await uploadZip(store, pluginZip('kept_name', '1.0.0'), bearer(alice.token)));
    expect((await remove(first.plugin_id, bearer(alice.token))).status).toBe(200);
    await expectErrorAnswer(await uploadZip(store, pluginZip('kept_name', '1.0.0'), bearer(bob.token)), 403, 'NOT_OWNER');
  });

  it('entries from before owners, and admin uploads, belong to the admin', async () => {
    const alice = await createToken('alice', 'publisher');
    const old = await json(await uploadZip(store, pluginZip('older', '1.0.0'), ADMIN));
    expect(old.plugin.publisher).toBe('admin');
    expect(((await catalogFile(store)) as unknown as { owners: unknown }).owners).toEqual({ older: { id: 'admin', name: 'admin' } });
    // plugins.json as a store before owners wrote it: no owner table, no publisher or owner field.
    const storage = store.storage;
    const file = JSON.parse(await readFile(path.join(storage, 'plugins.json'), 'utf8'));
    delete file.owners;
    for (const record of file.plugins) {
      delete record.publisher;
      delete record.owner;
    }
    await store.app.close();
    await writeFile(path.join(storage, 'plugins.json'), JSON.stringify(file));
    store = await buildTestStore({ env: { OKO_STORE_API_KEY: KEY }, storageDir: storage });
    const entry = await json(await request(`${store.api}/plugins/older`));
    expect(entry.publisher).toBe('admin');
    const message = await expectErrorAnswer(await uploadZip(store, pluginZip('older', '2.0.0'), bearer(alice.token)), 403, 'NOT_OWNER');
    expect(message).toContain("'admin'");
    await rm(storage, { recursive: true, force: true });
  });

  it('two concurrent first uploads of one name by two publishers: exactly one owns it', async () => {
    const alice = await createToken('alice', 'publisher');
    const bob = await createToken('bob', 'publisher');
    const answers = await Promise.all([
      uploadZip(store, pluginZip('race_name', '1.0.0'), bearer(alice.token)),
      uploadZip(store, pluginZip('race_name', '1.0.1'), bearer(bob.token)),
    ]);
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses).toEqual([201, 403]);
    const loser = answers.find((a) => a.status === 403)!;
    await expectErrorAnswer(loser, 403, 'NOT_OWNER');
    const list = await json(await request(`${store.api}/plugins`));
    expect(list.total).toBe(1);
    const winner = list.plugins[0].publisher as string;
    const file = (await catalogFile(store))! as unknown as { owners: Record<string, { name: string }> };
    expect(file.owners.race_name!.name).toBe(winner);
  });
});

describe('GitHub imports', () => {
  it('follow the same rule: a second publisher cannot import a version of the first one’s name', async () => {
    const github = await startFakeGithub({
      'octo/owned': { main: pluginFiles('gh_owned', '1.0.0'), next: pluginFiles('gh_owned', '2.0.0') },
    });
    const gh = await buildTestStore({
      env: { OKO_STORE_API_KEY: KEY, OKO_STORE_GITHUB_API_URL: github.apiUrl, OKO_STORE_GITHUB_ALLOW_PRIVATE: 'true' },
    });
    try {
      const alice = (await createToken('alice', 'publisher', gh)).token;
      const bob = (await createToken('bob', 'publisher', gh)).token;
      const importAs = (token: string, branch: string) =>
        request(`${gh.api}/plugins/upload/github`, {
          method: 'POST',
          headers: { ...bearer(token), 'content-type': 'application/json' },
          body: JSON.stringify({ repo_url: `${github.apiUrl}/octo/owned`, branch }),
        });
      const first = await importAs(alice, 'main');
      expect(first.status).toBe(201);
      expect((await json(first)).plugin.publisher).toBe('alice');
      expect(await expectErrorAnswer(await importAs(bob, 'next'), 403, 'NOT_OWNER')).toContain("'alice'");
    } finally {
      await gh.close();
      await github.close();
    }
  });
});

describe('an open store (no OKO_STORE_API_KEY)', () => {
  it('stays open: anonymous uploads are the admin and may publish any name; tokens cannot be managed', async () => {
    const open = await buildTestStore();
    try {
      const first = await json(await uploadZip(open, pluginZip('open_one', '1.0.0')));
      expect(first.plugin.publisher).toBe('admin');
      expect((await uploadZip(open, pluginZip('open_one', '1.1.0'))).status).toBe(201);
      await expectErrorAnswer(await request(`${open.api}/publishers`), 403, 'TOKEN_NOT_ALLOWED');
    } finally {
      await open.close();
    }
  });
});
