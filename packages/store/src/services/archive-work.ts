import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createError } from '@oko/shared';
import { excludedFromPackage, type ArchiveLimits, type ExtractedPlugin } from '@oko/shared/archive';
import { Piscina } from 'piscina';
import { runArchiveTask, runSeal, type ArchiveTask, type Sealed, type TaskOutcome } from './archive-tasks.js';

/**
 * Runs the CPU-heavy archive steps of a publish off the store's event loop. Inflating, checking the
 * CRC-32, hashing and packing a 100 MB upload kept the loop busy for seconds, so every list request
 * during an upload waited behind it. One worker thread by default: the store serves readers on the
 * main thread, and zlib already uses the libuv pool; more threads would only take cores from them.
 *
 * `threads: 0` runs the same tasks inline, which is what tests importing the TypeScript source
 * get (a worker thread cannot load a .ts file on Node 20).
 */
export class ArchiveWork {
  private readonly pool: Piscina | null;

  constructor(threads = 1) {
    const worker = new URL('./archive-worker.js', import.meta.url);
    const runnable = threads > 0 && worker.protocol === 'file:' && existsSync(fileURLToPath(worker));
    // idleTimeout: the thread (and its ~10 MB heap) goes when uploads stop; a new one starts in ~50 ms.
    this.pool = runnable ? new Piscina({ filename: worker.href, minThreads: 0, maxThreads: threads, idleTimeout: 30_000 }) : null;
  }

  get inWorker(): boolean {
    return this.pool !== null;
  }

  async extract(zipPath: string, dest: string, limits: ArchiveLimits): Promise<ExtractedPlugin> {
    return this.run<ExtractedPlugin>({ kind: 'extract', zipPath, dest, limits: { ...limits } });
  }

  /**
   * The signature check and the normalized package of a plugin folder. An exclude rule other than
   * `oko-plugin pack`'s cannot be sent to a thread, so such a call runs inline.
   */
  async seal(
    pluginDir: string,
    outFile: string,
    manifest: { name: string; version: string },
    exclude?: (relativePath: string) => boolean,
  ): Promise<Sealed> {
    const known = exclude === undefined || exclude === excludedFromPackage;
    const task: ArchiveTask = {
      kind: 'seal',
      pluginDir,
      outFile,
      manifest: { name: manifest.name, version: manifest.version },
      packageRules: exclude !== undefined,
    };
    if (!known) return runSeal(task, exclude);
    return this.run<Sealed>(task);
  }

  async close(): Promise<void> {
    await this.pool?.destroy();
  }

  private async run<T>(task: ArchiveTask): Promise<T> {
    const outcome = (this.pool ? await this.pool.run(task) : await runArchiveTask(task)) as TaskOutcome<ExtractedPlugin | Sealed>;
    if (!outcome.ok) throw createError(outcome.error.code, outcome.error.message, { details: outcome.error.details });
    return outcome.value as T;
  }
}
