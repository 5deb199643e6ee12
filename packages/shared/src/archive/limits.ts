/** Bounds on what one archive may unpack to; both are checked while extracting, in real bytes. */
export interface ArchiveLimits {
  maxUnpackedBytes: number;
  maxEntries: number;
}

export const DEFAULT_ARCHIVE_LIMITS: ArchiveLimits = Object.freeze({
  maxUnpackedBytes: 256 * 1024 * 1024,
  maxEntries: 10_000,
});
