import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../../test-support/eventually.js';
import { post, request } from '../../../test-support/http.js';
import { startBackend, type StoreProcess } from '../../../test-support/processes.js';
import { startRoundRobinProxy } from '../../../test-support/round-robin-proxy.js';
import { json, pluginZip, uploadZip } from './helpers.js';
import { downloadSha, listAll, startCluster, type ReplicaCluster } from './replica-cluster.js';

/*
 * Three store processes sharing one PostgreSQL database and one s3rver bucket (issue 18): writes
 * are decided by the database, every replica serves every entry, and none keeps state another needs.
 */
const KEY = 'admin-key-0123456789';
const ADMIN = { 'x-api-key': KEY };
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
let cluster: ReplicaCluster;
const replica = (i: number) => cluster.replicas[i % cluster.replicas.length]!;

beforeAll(async () => {
  cluster = await startCluster(3, { OKO_STORE_API_KEY: KEY });
});
afterAll(async () => {
  await cluster?.stop();
});

const keyOf = (e: { name: string; version: string }) => `${e.name}@${e.version}`;

/** A publish; the answer's status and body. */
async function publish(store: StoreProcess, zip: Buffer): Promise<{ status: number; body: string }> {
  const answer = await uploadZip(store, zip, ADMIN);
  return { status: answer.status, body: await answer.text() };
}

describe('three replicas on one PostgreSQL database and one bucket', () => {
  it(
    '200 concurrent publishes spread over them, some of one name and version, lose and duplicate nothing',
    { timeout: 240_000 },
    async () => {
      // 160 distinct name@version (20 names with two versions), then 40 more uploads of names and
      // versions among them: 20 the same package, 20 another one. Each upload goes to the replica
      // after the one its twin went to, and all 200 are sent at once.
      const uploads: { key: string; zip: Buffer; to: number }[] = [];
      for (let i = 0; i < 140; i++) uploads.push({ key: `bulk_${i}@1.0.0`, zip: pluginZip(`bulk_${i}`, '1.0.0'), to: i });
      for (let i = 0; i < 20; i++) uploads.push({ key: `bulk_${i}@1.1.0`, zip: pluginZip(`bulk_${i}`, '1.1.0'), to: i + 1 });
      for (let i = 0; i < 40; i++) {
        const name = `bulk_${100 + i}`;
        const zip = i < 20 ? pluginZip(name, '1.0.0') : pluginZip(name, '1.0.0', { description: 'another package' });
        uploads.push({ key: `${name}@1.0.0`, zip, to: 100 + i + 1 });
      }
      const answers = await Promise.all(uploads.map(({ zip, to }) => publish(replica(to), zip)));
      // Named in the failure: an answer that is neither a publish nor a duplicate's 409.
      expect(answers.filter((a) => a.status !== 201 && a.status !== 409).map((a) => a.body)).toEqual([]);
      const byKey = new Map<string, number[]>();
      for (const [i, answer] of answers.entries()) byKey.set(uploads[i]!.key, [...(byKey.get(uploads[i]!.key) ?? []), answer.status]);
      expect(byKey.size).toBe(160);
      for (const [key, statuses] of byKey) {
        // Exactly one publish of each name and version won; every other one got 409.
        expect([key, statuses.filter((s) => s === 201).length]).toEqual([key, 1]);
        expect([key, statuses.filter((s) => s !== 201)]).toEqual([key, statuses.filter((s) => s === 409)]);
      }
      expect([...byKey.values()].flat().filter((s) => s === 409)).toHaveLength(40);
      // Every replica lists each of them once (the other replicas' copies follow within a NOTIFY).
      const expected = [...byKey.keys()].sort();
      for (const r of cluster.replicas) {
        const listed = await eventually(
          () => listAll(r),
          (entries) => entries.length >= 160,
        );
        expect(listed.map(keyOf).sort()).toEqual(expected);
      }
      // Every listed package downloads, through any replica, as the bytes its SHA-256 names.
      const listed = await listAll(replica(0));
      const sums = await Promise.all(listed.map((entry, i) => downloadSha(replica(i), entry.id)));
      expect(sums).toEqual(listed.map((entry) => entry.sha256));
    },
  );

  it('two publishers racing for one new name on two replicas end with one owner', async () => {
    const token = async (name: string) =>
      (await json(await post(`${replica(0).api}/publishers`, { name, kind: 'publisher' }, ADMIN))).token as string;
    const [alice, bob] = [await token('alice'), await token('bob')];
    for (let round = 0; round < 10; round++) {
      const name = `raced_${round}`;
      const [a, b] = await Promise.all([
        uploadZip(replica(1), pluginZip(name, '1.0.0'), bearer(alice)),
        uploadZip(replica(2), pluginZip(name, '1.0.1'), bearer(bob)),
      ]);
      expect([a.status, b.status].sort()).toEqual([201, 403]);
      const winner = a.status === 201 ? 'alice' : 'bob';
      const loser = await json(a.status === 201 ? b : a);
      expect(loser.error.code).toBe('NOT_OWNER');
      for (const r of cluster.replicas) {
        const versions = await eventually(
          async () => (await listAll(r)).filter((e) => e.name === name),
          (found) => found.length > 0,
        );
        expect(versions.map((v) => v.publisher)).toEqual([winner]);
      }
    }
  });

  it('lists a publish through one replica on the others within a second (polled; the time itself is in npm run bench)', async () => {
    expect((await uploadZip(replica(0), pluginZip('seen_everywhere', '1.0.0'), ADMIN)).status).toBe(201);
    await Promise.all(
      [replica(1), replica(2)].map((r) =>
        eventually(
          async () => (await json(await request(`${r.api}/plugins?q=seen_everywhere`))).total,
          (total) => total === 1,
          1000,
        ),
      ),
    );
  });

  it('a replica killed (kill -9) and started again serves the same catalog', async () => {
    const before = await listAll(replica(0));
    const restarted = await cluster.killAndRestart(1);
    expect(await listAll(restarted)).toEqual(before);
    const sample = before.filter((_, i) => i % 20 === 0);
    expect(await Promise.all(sample.map((e) => downloadSha(restarted, e.id)))).toEqual(sample.map((e) => e.sha256));
  });

  it('the backend installs through any replica, and through a round-robin proxy in front of them', async () => {
    expect((await uploadZip(replica(0), pluginZip('installed_anywhere', '1.0.0'), ADMIN)).status).toBe(201);
    const proxy = await startRoundRobinProxy(cluster.replicas.map((r) => r.url));
    try {
      for (const [label, url] of [...cluster.replicas.map((r, i) => [`replica ${i}`, r.url]), ['proxy', proxy.url]] as const) {
        const dir = await mkdtemp(path.join(tmpdir(), 'oko-replica-backend-'));
        const pluginsDir = path.join(dir, 'plugins');
        const backend = await startBackend({ pluginsDir, dataDir: path.join(dir, 'data'), storeUrl: `${url}/api/v1` });
        try {
          const answer = await post(`${backend.api}/store/installed_anywhere/install`);
          expect([label, answer.status]).toEqual([label, 200]);
          expect((await json(answer)).plugin).toMatchObject({ name: 'installed_anywhere', version: '1.0.0' });
          expect(await readdir(pluginsDir)).toContain('installed_anywhere');
        } finally {
          await backend.stop();
          await rm(dir, { recursive: true, force: true });
        }
      }
      // The proxy's install went through more than one replica (each request to the next).
      expect(proxy.counts.filter((n) => n > 0).length).toBeGreaterThan(1);
    } finally {
      await proxy.close();
    }
  });
});
