import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ADMIN, type CatalogRecord } from './catalog-record.js';
import { JsonCatalogRepository } from './catalog-repository.js';

const log = { error: () => undefined, warn: () => undefined, info: () => undefined } as unknown as FastifyBaseLogger;
const alice = { id: 'a1', name: 'alice' };
const bob = { id: 'b2', name: 'bob' };
let dir: string;

function record(id: string, name: string, version: string): CatalogRecord {
  return {
    id,
    name,
    version,
    description: '',
    author: '',
    tags: [],
    source: 'zip_upload',
    source_url: null,
    manifest: { name, version },
    ui: null,
    size: 1,
    sha256: 'a'.repeat(64),
    created_at: '2024-01-01T00:00:00.000Z',
    storage: { dir: `zip_${id}`, plugin_dir: 'extracted' },
  };
}

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'oko-owners-'));
  await mkdir(path.join(dir, 'uploads'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the owner table', () => {
  it('decides two concurrent first publishes of one name inside the write: exactly one owns it', async () => {
    const repo = await JsonCatalogRepository.open(dir, log);
    // Both start before either is written: no early check can tell them apart, only the write queue.
    const results = await Promise.allSettled([
      repo.add(record('000000000001', 'raced', '1.0.0'), alice),
      repo.add(record('000000000002', 'raced', '1.0.1'), bob),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const refused = results.find((r) => r.status === 'rejected')!.reason as { code: string; message: string };
    expect(refused.code).toBe('NOT_OWNER');
    const owner = await repo.ownerOf('raced');
    expect(refused.message).toContain(`'${owner!.name}'`);
    // The table is on disk, and read back by the next start.
    const file = JSON.parse(await readFile(path.join(dir, 'plugins.json'), 'utf8'));
    expect(file.owners.raced).toEqual(owner);
    expect(await (await JsonCatalogRepository.open(dir, log)).ownerOf('raced')).toEqual(owner);
  });

  it('lets the admin publish and delete any name, and keeps the owner after the last version goes', async () => {
    const repo = await JsonCatalogRepository.open(dir, log);
    const first = await repo.add(record('000000000003', 'kept', '1.0.0'), alice);
    expect(first.publisher).toBe('alice');
    expect((await repo.add(record('000000000004', 'kept', '2.0.0'), ADMIN)).publisher).toBe('alice');
    await expect(repo.remove(first.id, bob)).rejects.toMatchObject({ code: 'NOT_OWNER' });
    await repo.remove(first.id, ADMIN);
    await repo.remove('000000000004', alice);
    await expect(repo.add(record('000000000005', 'kept', '3.0.0'), bob)).rejects.toMatchObject({ code: 'NOT_OWNER' });
  });
});
