import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { Database } from '../src/postgres/database.js';
import { openPgPublishers } from '../src/postgres/pg-publisher-repository.js';
import { JsonPublisherRepository, tokenHash, type PublisherRepository } from '../src/services/publisher-repository.js';
import { recordingLog, usePostgres } from './pg-helpers.js';

/* The PublisherRepository contract, on publishers.json and on PostgreSQL, and what only a shared table adds. */

const postgres = usePostgres();
const closing = postgres.cleanups;
const { log } = recordingLog();

async function openPg(url: string): Promise<PublisherRepository> {
  const db = await Database.open({ url, poolSize: 5 }, log);
  closing.push(() => db.close());
  return openPgPublishers(db);
}

const implementations: { kind: string; open(): Promise<{ repo: PublisherRepository; reopen(): Promise<PublisherRepository> }> }[] = [
  {
    kind: 'publishers.json',
    async open() {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'oko-publishers-'));
      closing.push(() => rm(dir, { recursive: true, force: true }));
      return { repo: await JsonPublisherRepository.open(dir), reopen: () => JsonPublisherRepository.open(dir) };
    },
  },
  {
    kind: 'PostgreSQL',
    async open() {
      const url = await postgres.server.createDatabase('publishers');
      return { repo: await openPg(url), reopen: () => openPg(url) };
    },
  },
];

describe.each(implementations)('the token repository on $kind', ({ open }) => {
  it('creates a token, shows it once, finds its owner by it, and lists it without its hash', async () => {
    const { repo, reopen } = await open();
    const made = await repo.create('alice', 'publisher');
    expect(made.token).toMatch(/^oko_pub_[A-Za-z0-9_-]{43}$/);
    expect(made).toMatchObject({ name: 'alice', kind: 'publisher', id: expect.stringMatching(/^[0-9a-f]{12}$/) });
    const dashboard = await repo.create('wall', 'dashboard');
    expect(dashboard.token).toMatch(/^oko_dash_/);
    const { token: _token, ...info } = made;
    expect(await repo.findByToken(made.token)).toEqual(info);
    expect(await repo.findByToken(`${made.token}x`)).toBeUndefined();
    const again = await reopen();
    expect(await again.findByToken(made.token)).toEqual(info);
    const listed = await again.list();
    expect(listed.map((p) => p.name).sort()).toEqual(['alice', 'wall']);
    expect(JSON.stringify(listed)).not.toContain(tokenHash(made.token));
  });

  it("refuses a second token of one name and the name 'admin' in any case with PUBLISHER_EXISTS", async () => {
    const { repo } = await open();
    await repo.create('alice', 'publisher');
    await expect(repo.create('alice', 'dashboard')).rejects.toMatchObject({ code: 'PUBLISHER_EXISTS', statusCode: 409 });
    for (const name of ['admin', 'Admin', 'ADMIN'])
      await expect(repo.create(name, 'publisher')).rejects.toMatchObject({ code: 'PUBLISHER_EXISTS' });
    expect((await repo.list()).map((p) => p.name)).toEqual(['alice']);
  });

  it('revokes a token: refused from the next lookup, 404 PUBLISHER_NOT_FOUND the second time; its name is free again', async () => {
    const { repo } = await open();
    const made = await repo.create('alice', 'publisher');
    expect((await repo.remove(made.id)).name).toBe('alice');
    expect(await repo.findByToken(made.token)).toBeUndefined();
    await expect(repo.remove(made.id)).rejects.toMatchObject({ code: 'PUBLISHER_NOT_FOUND', statusCode: 404 });
    const next = await repo.create('alice', 'publisher');
    expect(next.token).not.toBe(made.token);
  });
});

describe('tokens in PostgreSQL, shared by replicas', () => {
  it('refuses a token revoked through one replica on the very next lookup through another', async () => {
    const url = await postgres.server.createDatabase('publishers');
    const [a, b] = [await openPg(url), await openPg(url)];
    const made = await a.create('alice', 'publisher');
    expect((await b.findByToken(made.token))?.name).toBe('alice');
    await a.remove(made.id);
    expect(await b.findByToken(made.token)).toBeUndefined();
  });

  it('gives one name to one of two replicas creating it at once', async () => {
    const url = await postgres.server.createDatabase('publishers');
    const [a, b] = [await openPg(url), await openPg(url)];
    const results = await Promise.allSettled([a.create('raced', 'publisher'), b.create('raced', 'dashboard')]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect((results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason).toMatchObject({ code: 'PUBLISHER_EXISTS' });
    expect(await a.list()).toHaveLength(1);
  });

  it('refuses a row that is not a token instead of trusting it', async () => {
    const url = await postgres.server.createDatabase('publishers');
    const repo = await openPg(url);
    const made = await repo.create('alice', 'publisher');
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query('ALTER TABLE publishers DROP CONSTRAINT publishers_kind_check');
    await client.query("UPDATE publishers SET kind = 'admin' WHERE id = $1", [made.id]);
    await client.end();
    await expect(repo.findByToken(made.token)).rejects.toThrow(/bad row/);
  });
});
