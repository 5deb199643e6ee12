import { isOkoError, type CatalogSignature, type ErrorCode } from '@oko/shared';
import {
  excludedFromPackage,
  extractPluginArchive,
  packPluginDirectory,
  type ArchiveLimits,
  type ExtractedPlugin,
} from '@oko/shared/archive';
import { checkPackageSignature } from './package-signature.js';

/**
 * The CPU-heavy steps of a publish (inflate + CRC-32, per-file SHA-256, deflate + package
 * SHA-256), as plain-data tasks so they can run in a worker thread (archive-work.ts) and keep the
 * store's event loop free for readers. Everything in and out is structured-cloneable.
 */
export type ArchiveTask =
  | { kind: 'extract'; zipPath: string; dest: string; limits: ArchiveLimits }
  | {
      kind: 'seal';
      pluginDir: string;
      outFile: string;
      manifest: { name: string; version: string };
      /** The one exclude rule a worker can be told by name: `oko-plugin pack`'s (excludedFromPackage). */
      packageRules: boolean;
    };

export interface Sealed {
  signature: CatalogSignature;
  pkg: { size: number; sha256: string };
}

/** An OkoError crosses the thread boundary as data: a structured clone keeps only an Error's message. */
export interface TaskFailure {
  code: ErrorCode;
  message: string;
  details?: unknown;
}

export type TaskOutcome<T> = { ok: true; value: T } | { ok: false; error: TaskFailure };

export function runExtract(task: Extract<ArchiveTask, { kind: 'extract' }>): Promise<ExtractedPlugin> {
  return extractPluginArchive(task.zipPath, task.dest, task.limits);
}

/** The signature check, then the normalized package: the order the publisher always used. */
export async function runSeal(
  task: Extract<ArchiveTask, { kind: 'seal' }>,
  exclude = task.packageRules ? excludedFromPackage : undefined,
): Promise<Sealed> {
  const signature = await checkPackageSignature(task.pluginDir, task.manifest, exclude);
  const pkg = await packPluginDirectory(task.pluginDir, task.outFile, { exclude });
  return { signature, pkg };
}

/** Runs a task, turning a refusal (OkoError) into data; anything else stays a thrown error. */
export async function runArchiveTask(task: ArchiveTask): Promise<TaskOutcome<ExtractedPlugin | Sealed>> {
  try {
    const value = task.kind === 'extract' ? await runExtract(task) : await runSeal(task);
    return { ok: true, value };
  } catch (error) {
    if (!isOkoError(error)) throw error;
    const failure: TaskFailure = { code: error.code, message: error.message };
    if (error.details !== undefined) failure.details = error.details;
    return { ok: false, error: failure };
  }
}
