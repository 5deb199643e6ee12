// Node-only entry (`@oko/shared/archive`): reading, checking and writing plugin ZIP packages.
import { emptyFolder, extractArchive } from './extract.js';
import { DEFAULT_ARCHIVE_LIMITS, type ArchiveLimits } from './limits.js';
import { readPluginDirectory, type PluginFiles } from './plugin-dir.js';
import type { StreamedEntryMap } from './receive/streamed-entries.js';

export { DEFAULT_ARCHIVE_LIMITS, type ArchiveLimits } from './limits.js';
export { extractArchive, type ExtractedArchive } from './extract.js';
export { readPluginDirectory, inspectPluginDirectory, type PluginFiles } from './plugin-dir.js';
export {
  listPackageFiles,
  packPluginDirectory,
  planPackage,
  sha256File,
  type PackCandidate,
  type PackOptions,
  type PackPlan,
} from './pack.js';
export { isCanonicalPackage } from './canonical.js';
export { ArchiveThread } from './thread/archive-thread.js';
export type { PackRequest } from './thread/tasks.js';
export { excludedFromPackage, packageContents, packagedFiles } from './package-rules.js';
export * from './signature/index.js';
export { EntryNameRegistry, entryNameProblem, resolveInside } from './entry-rules.js';

export interface ExtractedPlugin extends PluginFiles {
  /** Absolute folder holding manifest.json: destDir, or its one top-level folder. */
  pluginDir: string;
  entries: number;
  unpackedBytes: number;
}

/**
 * Extracts a plugin package into destDir (existing, empty) and validates manifest.json and
 * ui.yaml. Throws INVALID_ARCHIVE or INVALID_MANIFEST (422); on failure destDir is left empty.
 * `streamed`: what StreamedEntries already wrote there (see extractArchive).
 */
export async function extractPluginArchive(
  zipPath: string,
  destDir: string,
  limits: ArchiveLimits = DEFAULT_ARCHIVE_LIMITS,
  streamed?: StreamedEntryMap,
): Promise<ExtractedPlugin> {
  const extracted = await extractArchive(zipPath, destDir, limits, streamed);
  try {
    const files = await readPluginDirectory(extracted.root);
    return { ...files, pluginDir: extracted.root, entries: extracted.entries, unpackedBytes: extracted.unpackedBytes };
  } catch (error) {
    await emptyFolder(destDir);
    throw error;
  }
}
