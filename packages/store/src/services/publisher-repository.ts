import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { checkSchema, createError, formatIssues, PublisherKind, type PublisherInfo } from '@oko/shared';
import { writeFileAtomic } from '@oko/shared/server';
import { Type, type Static } from '@fastify/type-provider-typebox';

export const PUBLISHERS_FILE = 'publishers.json';

/** A token as the store keeps it: its SHA-256 only (tokens are 32 random bytes, so no slow hash is needed). */
export const StoredPublisher = Type.Object({
  id: Type.String(),
  name: Type.String(),
  kind: PublisherKind,
  created_at: Type.String(),
  token_sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
});
export type StoredPublisher = Static<typeof StoredPublisher>;
const PublishersFile = Type.Object({ format: Type.Literal(1), publishers: Type.Array(StoredPublisher) });

export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/**
 * The store's tokens behind a small interface: publishers.json today, a table beside the catalog's
 * when the store moves to PostgreSQL. A lookup reads the current set, so a revoke takes effect on
 * the very next request.
 */
export interface PublisherRepository {
  list(): Promise<PublisherInfo[]>;
  /** The live token whose hash this is, or undefined. */
  findByToken(token: string): Promise<PublisherInfo | undefined>;
  /** Creates a token; PUBLISHER_EXISTS when a live token has the name. Returns the token once. */
  create(name: string, kind: PublisherKind): Promise<PublisherInfo & { token: string }>;
  /** Revokes a token; PUBLISHER_NOT_FOUND when absent. */
  remove(id: string): Promise<PublisherInfo>;
}

/** What the API shows of a token: everything but its hash. */
export const publisherInfo = ({ token_sha256: _hash, ...rest }: StoredPublisher): PublisherInfo => rest;

/** PUBLISHER_EXISTS for 'admin' in any case: that name stands for the store admin (ADMIN) in the owner table. */
export function refuseAdminName(name: string): void {
  if (name.toLowerCase() === 'admin') throw createError('PUBLISHER_EXISTS', "'admin' is the store admin's name and cannot be a token's");
}

/** A new token for `name` (`oko_pub_…` or `oko_dash_…`, 32 random bytes) and the record that keeps only its hash. */
export function mintPublisher(name: string, kind: PublisherKind): { stored: StoredPublisher; token: string } {
  const token = `oko_${kind === 'publisher' ? 'pub' : 'dash'}_${randomBytes(32).toString('base64url')}`;
  const stored: StoredPublisher = {
    id: randomBytes(6).toString('hex'),
    name,
    kind,
    created_at: new Date().toISOString(),
    token_sha256: tokenHash(token),
  };
  return { stored, token };
}

export class JsonPublisherRepository implements PublisherRepository {
  private publishers: StoredPublisher[] = [];
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(private readonly file: string) {}

  /** A missing file is no tokens yet; a broken one stops the start (it is never read as "no tokens"). */
  static async open(storagePath: string): Promise<JsonPublisherRepository> {
    const repo = new JsonPublisherRepository(path.join(storagePath, PUBLISHERS_FILE));
    let text: string | null = null;
    try {
      text = await readFile(repo.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    if (text !== null) {
      let data: unknown;
      try {
        data = JSON.parse(text);
      } catch (error) {
        throw new Error(`${repo.file} is not valid JSON: ${(error as Error).message}`, { cause: error });
      }
      const issues = checkSchema(PublishersFile, data, 'publishers.json');
      if (issues.length > 0) throw new Error(`${repo.file} is not a token file: ${formatIssues(issues.slice(0, 3))}`);
      repo.publishers = (data as Static<typeof PublishersFile>).publishers;
    }
    return repo;
  }

  async list(): Promise<PublisherInfo[]> {
    return this.publishers.map(publisherInfo);
  }

  async findByToken(token: string): Promise<PublisherInfo | undefined> {
    const hash = tokenHash(token);
    const found = this.publishers.find((p) => p.token_sha256 === hash);
    return found && publisherInfo(found);
  }

  create(name: string, kind: PublisherKind): Promise<PublisherInfo & { token: string }> {
    return this.write((list) => {
      refuseAdminName(name);
      if (list.some((p) => p.name === name)) throw createError('PUBLISHER_EXISTS', `A token named '${name}' already exists`);
      const { stored, token } = mintPublisher(name, kind);
      return { next: [...list, stored], result: { ...publisherInfo(stored), token } };
    });
  }

  remove(id: string): Promise<PublisherInfo> {
    return this.write((list) => {
      const found = list.find((p) => p.id === id);
      if (!found) throw createError('PUBLISHER_NOT_FOUND', `No token with id '${id}'`);
      return { next: list.filter((p) => p !== found), result: publisherInfo(found) };
    });
  }

  /** One change at a time; memory follows the file only once it is safely written. */
  private write<T>(change: (list: readonly StoredPublisher[]) => { next: StoredPublisher[]; result: T }): Promise<T> {
    const run = async (): Promise<T> => {
      const { next, result } = change(this.publishers);
      await writeFileAtomic(this.file, `${JSON.stringify({ format: 1, publishers: next }, null, 2)}\n`);
      this.publishers = next;
      return result;
    };
    const done = this.queue.then(run, run);
    this.queue = done.catch(() => undefined);
    return done;
  }
}
