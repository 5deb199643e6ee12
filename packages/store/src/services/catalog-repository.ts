import { readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { createError, formatIssues, checkSchema } from '@oko/shared';
import type { FastifyBaseLogger } from 'fastify';
import { writeFileAtomic } from '@oko/shared/server';
import { CatalogFile, type CatalogRecord } from './catalog-record.js';

/**
 * The catalog behind one small interface, so plugins.json can later give way to a database
 * without anything above it changing.
 */
export interface CatalogRepository {
  /** Why writes are refused (the catalog file is unreadable), or null. */
  readonly readOnlyReason: string | null;
  /**
   * Every record. The same array until the catalog changes, and a new one after each change
   * (never changed in place): PluginCatalog keys its sorted search view on this identity.
   */
  list(): Promise<readonly CatalogRecord[]>;
  get(id: string): Promise<CatalogRecord | undefined>;
  /** Adds a record; PLUGIN_ALREADY_EXISTS (409) when its name and version are already there. */
  add(record: CatalogRecord): Promise<void>;
  /** Removes a record and returns it; PLUGIN_NOT_FOUND (404) when absent. */
  remove(id: string): Promise<CatalogRecord>;
  /** Sets a record's package size and sha256 and returns the new record; PLUGIN_NOT_FOUND (404) when absent. */
  updatePackage(id: string, pkg: { size: number; sha256: string }): Promise<CatalogRecord>;
}

export const CATALOG_FILE = 'plugins.json';

/**
 * plugins.json: loaded once, kept in memory, rewritten whole and crash-safely on each change.
 * Writes run one at a time; a file that cannot be parsed is never overwritten.
 */
export class JsonCatalogRepository implements CatalogRepository {
  private records: CatalogRecord[] = [];
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
    await repo.load();
    return repo;
  }

  private async load(): Promise<void> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return; // a new store starts empty
      throw error;
    }
    const problem = parseProblem(text);
    if (typeof problem === 'string') {
      this.readOnlyReason = `${CATALOG_FILE} is unreadable (${problem})`;
      this.log.error(
        { file: this.file },
        `CATALOG READ-ONLY: ${this.readOnlyReason}; the store serves what it can and refuses every write until the file is repaired or removed`,
      );
      return;
    }
    this.records = problem.plugins;
  }

  async list(): Promise<readonly CatalogRecord[]> {
    return this.records;
  }

  async get(id: string): Promise<CatalogRecord | undefined> {
    return this.records.find((r) => r.id === id);
  }

  add(record: CatalogRecord): Promise<void> {
    return this.write((records) => {
      const same = records.find((r) => r.name === record.name && r.version === record.version);
      if (same) {
        throw createError(
          'PLUGIN_ALREADY_EXISTS',
          `Plugin '${record.name}' version ${record.version} is already in the catalog (id ${same.id})`,
        );
      }
      if (records.some((r) => r.id === record.id)) throw new Error(`catalog id collision: ${record.id}`);
      return { next: [...records, record], result: undefined };
    });
  }

  remove(id: string): Promise<CatalogRecord> {
    return this.write((records) => {
      const found = records.find((r) => r.id === id);
      if (!found) throw createError('PLUGIN_NOT_FOUND', `No plugin '${id}' in the store catalog`);
      return { next: records.filter((r) => r !== found), result: found };
    });
  }

  updatePackage(id: string, pkg: { size: number; sha256: string }): Promise<CatalogRecord> {
    return this.write((records) => {
      const found = records.find((r) => r.id === id);
      if (!found) throw createError('PLUGIN_NOT_FOUND', `No plugin '${id}' in the store catalog`);
      const updated = { ...found, size: pkg.size, sha256: pkg.sha256 };
      return { next: records.map((r) => (r === found ? updated : r)), result: updated };
    });
  }

  /** Runs one change at a time; memory is updated only after the file is safely on disk. */
  private write<T>(change: (records: readonly CatalogRecord[]) => { next: CatalogRecord[]; result: T }): Promise<T> {
    const run = async (): Promise<T> => {
      if (this.readOnlyReason) {
        throw createError('CATALOG_READ_ONLY', `The store catalog is read-only: ${this.readOnlyReason}`);
      }
      const { next, result } = change(this.records);
      const file: CatalogFile = { format: 1, plugins: next };
      await writeFileAtomic(this.file, `${JSON.stringify(file, null, 2)}\n`);
      this.records = next;
      return result;
    };
    const done = this.queue.then(run, run);
    this.queue = done.catch(() => undefined);
    return done;
  }
}

/** The parsed file, or why it cannot be used. */
function parseProblem(text: string): CatalogFile | string {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    return `not valid JSON: ${(error as Error).message}`;
  }
  const issues = checkSchema(CatalogFile, data, CATALOG_FILE);
  return issues.length > 0 ? `unexpected content: ${formatIssues(issues.slice(0, 3))}` : (data as CatalogFile);
}
