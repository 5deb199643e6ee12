import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { createError, sameVersion, type AlreadyPublished } from '@oko/shared';
import type { FastifyBaseLogger } from 'fastify';
import type { Queryable } from '../postgres/database.js';
import { writeFileAtomic } from '@oko/shared/server';
import { catalogFileText, describeBadRecords, readCatalogFile } from './catalog-file.js';
import { ADMIN, type CatalogRecord, type Owner, type OwnerTable } from './catalog-record.js';
import { mergeRecords, scanUploads } from './entry-records.js';
import { UPLOADS_DIR } from './plugin-storage.js';

/**
 * The catalog behind one small interface, so plugins.json can later give way to a database
 * without anything above it changing.
 */
export interface CatalogRepository {
  /** Why writes are refused (plugins.json is missing beside published folders, unreadable or partly bad), or null. */
  readonly readOnlyReason: string | null;
  /**
   * Every record. The same array until the catalog changes, and a new one after each change
   * (never changed in place): PluginCatalog keys its sorted search view on this identity.
   */
  list(): Promise<readonly CatalogRecord[]>;
  /**
   * What list() resolves to, without a promise: both repositories answer reads from memory, and the
   * read routes check a cached answer against it on every request (PluginCatalog.cachedAnswer).
   */
  listNow(): readonly CatalogRecord[];
  get(id: string): Promise<CatalogRecord | undefined>;
  /**
   * Adds a record published by `by` and returns it as stored (with its publisher). In the same
   * write: a name nobody owns becomes `by`'s, a name owned by another publisher is refused
   * (NOT_OWNER); ADMIN may publish any name. PLUGIN_ALREADY_EXISTS (409) when its name and
   * version are already there. A database keeps the owner table in the same transaction.
   * `step`, when given, runs inside the transaction that inserts the row, and its failure rolls the
   * insert back: packages in S3 pass their blob's claim to the row that way (blobs/blob-claims.ts).
   * Only storage in S3 gives one, and S3 needs the PostgreSQL catalog, so plugins.json never gets one.
   */
  add(record: CatalogRecord, by: Owner, step?: CatalogWriteStep): Promise<CatalogRecord>;
  /** Removes a record and returns it; PLUGIN_NOT_FOUND (404) when absent, NOT_OWNER when `by` is neither its owner nor ADMIN. */
  remove(id: string, by: Owner): Promise<CatalogRecord>;
  /** The owner of a plugin name, or undefined when nobody has published it. */
  ownerOf(name: string): Promise<Owner | undefined>;
  /**
   * Brings this process's copy up to date before a write is refused on what the copy says (a 404
   * or 409 from an early check): with several replicas another one may have just written. Absent
   * where the copy is the catalog itself (plugins.json).
   */
  refresh?(): Promise<void>;
}

/** Work that must commit with a catalog row or not at all (CatalogRepository.add). */
export type CatalogWriteStep = (tx: Queryable) => Promise<void>;

/** Names listed before owners existed belong to the admin. */
function ownerIn(owners: OwnerTable, records: readonly CatalogRecord[], name: string): Owner | undefined {
  return Object.hasOwn(owners, name) ? owners[name] : records.some((r) => r.name === name) ? ADMIN : undefined;
}

/** NOT_OWNER unless `by` is the admin or the name's owner (names the owner, so a publisher knows whom to ask). */
export function assertOwner(owner: Owner | undefined, by: Owner, name: string, doing: string): void {
  if (!owner || by.id === ADMIN.id || owner.id === by.id) return;
  throw createError(
    'NOT_OWNER',
    `Plugin name '${name}' belongs to publisher '${owner.name}': only '${owner.name}' or the store admin may ${doing}`,
    { details: { owner: owner.name } },
  );
}

export const CATALOG_FILE = 'plugins.json';

/**
 * plugins.json: loaded once, kept in memory, rewritten whole and crash-safely on each change.
 * Writes run one at a time; a file that cannot be parsed is never overwritten.
 */
export class JsonCatalogRepository implements CatalogRepository {
  private records: CatalogRecord[] = [];
  private owners: OwnerTable = {};
  private queue: Promise<unknown> = Promise.resolve();
  readOnlyReason: string | null = null;

  private constructor(
    private readonly file: string,
    private readonly log: FastifyBaseLogger,
  ) {}

  static async open(storagePath: string, log: FastifyBaseLogger): Promise<JsonCatalogRepository> {
    const repo = new JsonCatalogRepository(path.join(storagePath, CATALOG_FILE), log);
    // Temp files of a write cut short by a crash; the real file is intact either way.
    const stale = (await readdir(storagePath)).filter((name) => name.startsWith(`.${CATALOG_FILE}.`) && name.endsWith('.tmp'));
    await Promise.all(stale.map((name) => rm(path.join(storagePath, name), { force: true })));
    await repo.load(path.join(storagePath, UPLOADS_DIR));
    return repo;
  }

  /**
   * A broken or missing plugins.json next to published upload folders is never read as an empty
   * catalog (the startup sweep would then delete every package): the store serves the file's
   * usable records plus the upload folders' own entry records, read-only, until an operator runs
   * `npm run store:recover` (docs/troubleshooting.md).
   */
  private async load(uploadsPath: string): Promise<void> {
    const state = await readCatalogFile(this.file);
    if (state.status === 'valid') {
      this.records = state.records;
      this.owners = state.owners;
      return;
    }
    const scan = await scanUploads(uploadsPath);
    const fromUploads = [...scan.records.values()];
    let reason: string;
    if (state.status === 'missing') {
      const kept = scan.records.size + scan.unrecorded.length + scan.broken.length;
      if (kept === 0) return; // a new store, or one whose only folders are imports cut off before packing
      reason = `${CATALOG_FILE} is missing while uploads/ holds ${kept} published package folder(s)`;
      this.records = fromUploads;
    } else if (state.status === 'unreadable') {
      reason = `${CATALOG_FILE} is unreadable (${state.reason})`;
      this.records = fromUploads;
    } else {
      for (const bad of state.bad) {
        this.log.error(
          { file: this.file, index: bad.index, id: bad.id, reason: bad.reason },
          `CATALOG RECORD SKIPPED: ${CATALOG_FILE} record #${bad.index}${bad.id ? ` (id ${bad.id})` : ''}: ${bad.reason}`,
        );
      }
      reason = `${CATALOG_FILE} has ${describeBadRecords(state.bad)}`;
      this.records = mergeRecords(state.records, fromUploads);
      this.owners = state.owners;
    }
    this.readOnlyReason = reason;
    this.log.error(
      { file: this.file, served: this.records.length, unrecorded: scan.unrecorded, broken: scan.broken },
      `CATALOG READ-ONLY: ${reason}; serving ${this.records.length} record(s) from it and from the upload folders' entry records, ` +
        'refusing every write and deleting nothing in uploads/. Run `npm run store:recover` to rebuild plugins.json from uploads/, then restart',
    );
  }

  async list(): Promise<readonly CatalogRecord[]> {
    return this.records;
  }

  listNow(): readonly CatalogRecord[] {
    return this.records;
  }

  async get(id: string): Promise<CatalogRecord | undefined> {
    return this.records.find((r) => r.id === id);
  }

  async ownerOf(name: string): Promise<Owner | undefined> {
    return ownerIn(this.owners, this.records, name);
  }

  add(record: CatalogRecord, by: Owner): Promise<CatalogRecord> {
    return this.write((records, owners) => {
      const owner = ownerIn(owners, records, record.name);
      assertOwner(owner, by, record.name, 'publish its versions');
      const same = records.find((r) => r.name === record.name && sameVersion(r.version, record.version));
      if (same) {
        throw createError(
          'PLUGIN_ALREADY_EXISTS',
          `Plugin '${record.name}' version ${record.version} is already in the catalog (id ${same.id})`,
          { details: { plugin_id: same.id, name: same.name, version: same.version } satisfies AlreadyPublished },
        );
      }
      if (records.some((r) => r.id === record.id)) throw new Error(`catalog id collision: ${record.id}`);
      const kept = owner ?? by;
      const stored: CatalogRecord = { ...record, publisher: kept.name, owner: kept };
      return { next: [...records, stored], owners: { ...owners, [record.name]: kept }, result: stored };
    });
  }

  remove(id: string, by: Owner): Promise<CatalogRecord> {
    return this.write((records, owners) => {
      const found = records.find((r) => r.id === id);
      if (!found) throw createError('PLUGIN_NOT_FOUND', `No plugin '${id}' in the store catalog`);
      assertOwner(ownerIn(owners, records, found.name), by, found.name, 'delete its versions');
      // The name stays owned after its last version goes (as on npm): nobody else can take it over.
      return { next: records.filter((r) => r !== found), owners, result: found };
    });
  }

  /** Runs one change at a time; memory is updated only after the file is safely on disk. */
  private write<T>(
    change: (records: readonly CatalogRecord[], owners: OwnerTable) => { next: CatalogRecord[]; owners: OwnerTable; result: T },
  ): Promise<T> {
    const run = async (): Promise<T> => {
      if (this.readOnlyReason) {
        throw createError('CATALOG_READ_ONLY', `The store catalog is read-only: ${this.readOnlyReason}`);
      }
      const { next, owners, result } = change(this.records, this.owners);
      await writeFileAtomic(this.file, catalogFileText({ format: 1, plugins: next, owners }));
      this.records = next;
      this.owners = owners;
      return result;
    };
    const done = this.queue.then(run, run);
    this.queue = done.catch(() => undefined);
    return done;
  }
}
