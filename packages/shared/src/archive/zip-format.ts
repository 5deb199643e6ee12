/**
 * The bytes the packer's ZIP writer (yazl) puts around each entry of a package, given how
 * packPluginDirectory calls it: a data descriptor after the data, DOS timestamps only, no extra
 * fields, no comments, no ZIP64. Written out here so an uploaded ZIP can be checked against them
 * (canonical.ts); canonical.test.ts rebuilds packed files from these and compares every byte.
 */

/**
 * A local-time constructor on purpose: yazl writes DOS timestamps from local time, so this gives
 * the same bytes in every time zone (the UTC extra field is switched off by forceDosTimestamp).
 */
export const FIXED_MTIME = new Date(2000, 0, 1, 0, 0, 0);
/** Every file's mode in a package: a plain file, rw-r--r--. */
export const PACKED_MODE = 0o100644;

export const METHOD_STORED = 0;
export const METHOD_DEFLATE = 8;
export const LOCAL_HEADER_BYTES = 30;
export const DATA_DESCRIPTOR_BYTES = 16;
const CENTRAL_RECORD_BYTES = 46;
const END_RECORD_BYTES = 22;
/** The largest size, offset or count these records hold; past it yazl switches to ZIP64. */
export const MAX_PLAIN_VALUE = 0xfffffffe;
export const MAX_PLAIN_ENTRIES = 0xfffe;

/** Unix, ZIP spec 6.3 (yazl's "version made by"). */
const VERSION_MADE_BY = (3 << 8) | 63;
const VERSION_NEEDED = 20;
/** UTF-8 names, and sizes and CRC-32 in a data descriptor after the data. */
const FLAGS = (1 << 11) | (1 << 3);

export interface EntryFacts {
  name: Buffer;
  method: number;
  crc32: number;
  compressedSize: number;
  uncompressedSize: number;
  /** Where its local header starts. */
  offset: number;
}

function dosDateTime(date: Date): { date: number; time: number } {
  return {
    date: (date.getDate() & 0x1f) | (((date.getMonth() + 1) & 0xf) << 5) | (((date.getFullYear() - 1980) & 0x7f) << 9),
    time: Math.floor(date.getSeconds() / 2) | ((date.getMinutes() & 0x3f) << 5) | ((date.getHours() & 0x1f) << 11),
  };
}

const STAMP = dosDateTime(FIXED_MTIME);

export function localHeader(entry: EntryFacts): Buffer {
  const fixed = Buffer.alloc(LOCAL_HEADER_BYTES);
  fixed.writeUInt32LE(0x04034b50, 0);
  fixed.writeUInt16LE(VERSION_NEEDED, 4);
  fixed.writeUInt16LE(FLAGS, 6);
  fixed.writeUInt16LE(entry.method, 8);
  fixed.writeUInt16LE(STAMP.time, 10);
  fixed.writeUInt16LE(STAMP.date, 12);
  // CRC-32 and sizes stay 0 here: they follow the data, in the descriptor.
  fixed.writeUInt16LE(entry.name.length, 26);
  return Buffer.concat([fixed, entry.name]);
}

export function dataDescriptor(entry: EntryFacts): Buffer {
  const out = Buffer.alloc(DATA_DESCRIPTOR_BYTES);
  out.writeUInt32LE(0x08074b50, 0);
  out.writeUInt32LE(entry.crc32 >>> 0, 4);
  out.writeUInt32LE(entry.compressedSize, 8);
  out.writeUInt32LE(entry.uncompressedSize, 12);
  return out;
}

export function centralRecord(entry: EntryFacts): Buffer {
  const fixed = Buffer.alloc(CENTRAL_RECORD_BYTES);
  fixed.writeUInt32LE(0x02014b50, 0);
  fixed.writeUInt16LE(VERSION_MADE_BY, 4);
  fixed.writeUInt16LE(VERSION_NEEDED, 6);
  fixed.writeUInt16LE(FLAGS, 8);
  fixed.writeUInt16LE(entry.method, 10);
  fixed.writeUInt16LE(STAMP.time, 12);
  fixed.writeUInt16LE(STAMP.date, 14);
  fixed.writeUInt32LE(entry.crc32 >>> 0, 16);
  fixed.writeUInt32LE(entry.compressedSize, 20);
  fixed.writeUInt32LE(entry.uncompressedSize, 24);
  fixed.writeUInt16LE(entry.name.length, 28);
  fixed.writeUInt32LE((PACKED_MODE << 16) >>> 0, 38);
  fixed.writeUInt32LE(entry.offset, 42);
  return Buffer.concat([fixed, entry.name]);
}

export function endOfCentralDirectory(entries: number, directoryBytes: number, directoryOffset: number): Buffer {
  const out = Buffer.alloc(END_RECORD_BYTES);
  out.writeUInt32LE(0x06054b50, 0);
  out.writeUInt16LE(entries, 8);
  out.writeUInt16LE(entries, 10);
  out.writeUInt32LE(directoryBytes, 12);
  out.writeUInt32LE(directoryOffset, 16);
  return out;
}
