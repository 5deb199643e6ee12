import { open, readFile, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import yauzl, { type Entry } from 'yauzl';
import { DEFLATE_LEVEL } from './compressibility.js';
import type { PackPlan } from './pack.js';
import {
  centralRecord,
  dataDescriptor,
  DATA_DESCRIPTOR_BYTES,
  endOfCentralDirectory,
  localHeader,
  LOCAL_HEADER_BYTES,
  MAX_PLAIN_ENTRIES,
  MAX_PLAIN_VALUE,
  METHOD_DEFLATE,
  METHOD_STORED,
  type EntryFacts,
} from './zip-format.js';

/**
 * A deflated file bigger than this is not checked (its deflate would sit whole in memory): the
 * folder is packed the usual way instead. Big files in plugins are images and data that are stored.
 */
const MAX_CHECKED_DEFLATE_BYTES = 8 * 1024 * 1024;
/** Up to this size the candidate is read in one go; a bigger one region by region. */
const WHOLE_READ_BYTES = 4 * 1024 * 1024;

const deflateRaw = promisify(zlib.deflateRaw);

/** Bytes the candidate must hold at `at`: a header, or the deflated data of `file`. */
interface Expected {
  at: number;
  bytes?: Buffer;
  deflatedFile?: string;
  length: number;
}

/**
 * Whether the ZIP at `zipFile` is byte for byte what packPluginDirectory would write for `plan`,
 * the folder it was just extracted to (by extractArchive, which checked every entry's size and
 * CRC-32 against its data). Then a stored entry's data is that file by construction, and what is
 * left to compare is every header, the deflated data (deflated again here), and the file's length.
 * False on any difference, including ones that are only allowed by the ZIP format (another order,
 * folder entries, extra fields, a comment, trailing bytes): the caller then packs the folder.
 */
export async function isCanonicalPackage(zipFile: string, plan: PackPlan): Promise<boolean> {
  if (plan.files.length > MAX_PLAIN_ENTRIES) return false;
  const entries = await readEntries(zipFile, plan.files.length).catch(() => null);
  if (!entries) return false;
  const expected = expectedLayout(entries, plan);
  if (!expected) return false;
  const handle = await open(zipFile, 'r');
  try {
    const size = (await handle.stat()).size;
    const last = expected.at(-1)!;
    if (size !== last.at + last.length) return false;
    const whole = size <= WHOLE_READ_BYTES ? await handle.readFile() : null;
    // The headers and the directory first: a deflated entry costs deflating its file again, and a ZIP
    // that is the package but for its tail would otherwise cost all of that and then the packing.
    for (const part of [...expected.filter((p) => p.bytes), ...expected.filter((p) => !p.bytes)]) {
      const want = part.bytes ?? (await deflateRaw(await readFile(part.deflatedFile!), { level: DEFLATE_LEVEL }));
      if (want.length !== part.length) return false;
      const have = whole ? whole.subarray(part.at, part.at + part.length) : await readAt(handle, part.at, part.length);
      if (!have.equals(want)) return false;
    }
    return true;
  } finally {
    await handle.close();
  }
}

/** Every header of the packer's ZIP, and where it sits, given the sizes and CRC-32s the entries claim. */
function expectedLayout(entries: Entry[], plan: PackPlan): Expected[] | null {
  const expected: Expected[] = [];
  const facts: EntryFacts[] = [];
  let offset = 0;
  for (const [i, file] of plan.files.entries()) {
    const entry = entries[i]!;
    const name = Buffer.from(file.path);
    const method = file.deflate ? METHOD_DEFLATE : METHOD_STORED;
    if (!Buffer.from(entry.fileNameRaw).equals(name) || entry.compressionMethod !== method) return null;
    if (entry.uncompressedSize !== file.size || (!file.deflate && entry.compressedSize !== file.size)) return null;
    if (file.deflate && file.size > MAX_CHECKED_DEFLATE_BYTES) return null;
    const fact = { name, method, crc32: entry.crc32, compressedSize: entry.compressedSize, uncompressedSize: file.size, offset };
    const dataAt = offset + LOCAL_HEADER_BYTES + name.length;
    const end = dataAt + entry.compressedSize + DATA_DESCRIPTOR_BYTES;
    if (end > MAX_PLAIN_VALUE || file.size > MAX_PLAIN_VALUE) return null;
    expected.push({ at: offset, bytes: localHeader(fact), length: dataAt - offset });
    if (file.deflate) expected.push({ at: dataAt, deflatedFile: path.join(plan.dir, file.path), length: entry.compressedSize });
    expected.push({ at: dataAt + entry.compressedSize, bytes: dataDescriptor(fact), length: DATA_DESCRIPTOR_BYTES });
    facts.push(fact);
    offset = end;
  }
  const directory = Buffer.concat(facts.map(centralRecord));
  if (offset + directory.length > MAX_PLAIN_VALUE) return null;
  const tail = Buffer.concat([directory, endOfCentralDirectory(facts.length, directory.length, offset)]);
  expected.push({ at: offset, bytes: tail, length: tail.length });
  return expected;
}

/**
 * The entries as the central directory lists them, in its order (names as raw bytes), or null as
 * soon as they cannot be the packer's: another count, or an extra field or comment, which the
 * packer never writes. yauzl parses every extra-field record into an object, so holding every
 * entry of a directory padded with them took a 98 MB upload to 3.7 GB (canonical.test.ts).
 */
async function readEntries(zipFile: string, count: number): Promise<Entry[] | null> {
  const zip = await yauzl.openPromise(zipFile, { lazyEntries: true, decodeStrings: false, autoClose: false, strictFileNames: false });
  try {
    if (zip.entryCount !== count) return null;
    const entries: Entry[] = [];
    for await (const entry of zip.eachEntry()) {
      if (entry.extraFieldLength > 0 || entry.fileCommentLength > 0) return null;
      entries.push(entry);
    }
    return entries.length === count ? entries : null;
  } finally {
    zip.close();
  }
}

async function readAt(handle: FileHandle, at: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await handle.read(buffer, filled, length - filled, at + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return buffer.subarray(0, filled);
}
