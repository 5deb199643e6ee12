import { chmod, mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { isValidPluginName } from '@oko/shared';
import { writeFileAtomic } from '@oko/shared/server';
import type { Static, TSchema } from 'typebox';
import { Value } from 'typebox/value';

/** A stored file that is there but cannot be used: the caller decides what that grants (nothing). */
export class UnreadableGrantFile extends Error {}

/**
 * One JSON file per plugin in a folder of the backend's data folder (OKO_DATA_DIR/grants,
 * OKO_DATA_DIR/plugin-env): never inside a plugin's own data folder, which the plugin can write.
 * The folder is 0700 because env values are secrets; writes are atomic and serialised per plugin.
 */
export class PluginFileStore<T extends TSchema> {
  private readonly dir: string;
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(
    dataDir: string,
    folder: string,
    private readonly schema: T,
  ) {
    this.dir = path.join(dataDir, folder);
  }

  fileOf(id: string): string {
    // Ids come from the scanner or a validated route parameter; checked again since they become a path.
    if (!isValidPluginName(id)) throw new Error(`'${id}' is not a valid plugin id`);
    return path.join(this.dir, `${id}.json`);
  }

  /** The stored value, undefined when there is no file; UnreadableGrantFile when it is corrupt. */
  async read(id: string): Promise<Static<T> | undefined> {
    const text = await readFile(this.fileOf(id), 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    if (text === undefined) return undefined;
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch {
      throw new UnreadableGrantFile(`${this.fileOf(id)} is not valid JSON`);
    }
    if (!Value.Check(this.schema, data)) throw new UnreadableGrantFile(`${this.fileOf(id)} does not have the expected shape`);
    return data as Static<T>;
  }

  /** Runs read-modify-write steps of one plugin one at a time. */
  serialised<R>(id: string, fn: () => Promise<R>): Promise<R> {
    const previous = this.queues.get(id) ?? Promise.resolve();
    const next = previous.then(fn, fn);
    const tail = next.catch(() => undefined);
    this.queues.set(id, tail);
    void tail.then(() => {
      if (this.queues.get(id) === tail) this.queues.delete(id);
    });
    return next;
  }

  async write(id: string, value: Static<T>): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    await chmod(this.dir, 0o700);
    await writeFileAtomic(this.fileOf(id), `${JSON.stringify(value, null, 2)}\n`);
  }

  async remove(id: string): Promise<void> {
    await rm(this.fileOf(id), { force: true });
  }
}
