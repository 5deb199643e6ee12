import { extractArchive } from '../extract.js';
import { receiveUpload } from '../receive/receive-upload.js';
import { packPluginDirectory, sha256File, type PackCandidate } from '../pack.js';
import { excludedFromPackage } from '../package-rules.js';

/** What a package is packed from and how (PackOptions, less what cannot cross to a thread). */
export interface PackRequest {
  /** A source folder (a repository): `oko-plugin pack`'s exclusions apply (excludedFromPackage). */
  sourceFolder?: boolean;
  candidate?: PackCandidate | undefined;
}

/** The archive work an ArchiveThread runs: every argument and result crosses as a structured clone. */
export const ARCHIVE_TASKS = {
  /** An upload, written, hashed and extracted as it arrives (ArchiveThread.receive). */
  receiveUpload,
  sha256: sha256File,
  extract: extractArchive,
  pack: (dir: string, outFile: string, request: PackRequest = {}) =>
    packPluginDirectory(dir, outFile, {
      ...(request.sourceFolder ? { exclude: excludedFromPackage } : {}),
      candidate: request.candidate,
    }),
};

export type ArchiveTasks = typeof ARCHIVE_TASKS;
export type ArchiveTask = keyof ArchiveTasks;
