import zlib from 'node:zlib';

/**
 * A tiny ZIP writer for tests that need archives no honest tool writes: lying sizes, `../` names,
 * symlink modes, encryption flags, duplicate names. Not used by production code.
 */
export interface RawZipEntry {
  name: string;
  /** Uncompressed content (default empty). */
  content?: Buffer | string;
  /** 0 stored, 8 deflate (default), anything else is written as-is with the raw content. */
  method?: number;
  /** Overrides the uncompressed size written in both headers (a lying header). */
  declaredSize?: number;
  crc32?: number;
  /** General purpose bit flags, e.g. 1 = encrypted. */
  flags?: number;
  /** Unix mode in the high bits of externalFileAttributes, e.g. 0o120777 for a symlink. */
  unixMode?: number;
  /** An extra field in the central directory record only (ZIP extra-field records, raw). */
  centralExtra?: Buffer;
  /** Written as a local entry only: the central directory does not list it. */
  localOnly?: boolean;
  /** Another name in the central directory record than in the local header. */
  centralName?: string;
  /** The central record points at the local header of the entry with this index instead of its own. */
  centralOffsetOf?: number;
  /**
   * Sizes and CRC-32 after the data, in a signed data descriptor (flag 0x08), as streaming
   * writers (yazl, the packer) write them; the local header's are then zero.
   */
  descriptor?: boolean;
  /** zlib's level for method 8: 0 writes the content as it is inside the deflate stream (stored blocks). */
  level?: number;
}

export function buildRawZip(entries: readonly RawZipEntry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  const offsets: number[] = [];
  let offset = 0;
  for (const entry of entries) {
    offsets.push(offset);
    const content = Buffer.from(entry.content ?? '');
    const method = entry.method ?? 8;
    const data = method === 8 ? zlib.deflateRawSync(content, { level: entry.level ?? zlib.constants.Z_DEFAULT_COMPRESSION }) : content;
    const name = Buffer.from(entry.name, 'utf8');
    const crc = entry.crc32 ?? zlib.crc32(content);
    const size = entry.declaredSize ?? content.length;
    const flags = (entry.flags ?? 0) | 0x800 | (entry.descriptor ? 0x08 : 0); // 0x800: names are UTF-8

    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(0, 10); // time + date
    if (!entry.descriptor) {
      local.writeUInt32LE(crc >>> 0, 14);
      local.writeUInt32LE(data.length, 18);
      local.writeUInt32LE(size, 22);
    }
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    const descriptor = Buffer.alloc(entry.descriptor ? 16 : 0);
    if (entry.descriptor) {
      descriptor.writeUInt32LE(0x08074b50, 0);
      descriptor.writeUInt32LE(crc >>> 0, 4);
      descriptor.writeUInt32LE(data.length, 8);
      descriptor.writeUInt32LE(size, 12);
    }
    locals.push(local, name, data, descriptor);
    const localLength = local.length + name.length + data.length + descriptor.length;
    if (entry.localOnly) {
      offset += localLength;
      continue;
    }

    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4); // made by unix, so the mode bits count
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(flags, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt32LE(0, 12);
    central.writeUInt32LE(crc >>> 0, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(size, 24);
    const centralName = entry.centralName === undefined ? name : Buffer.from(entry.centralName, 'utf8');
    central.writeUInt16LE(centralName.length, 28);
    const extra = entry.centralExtra ?? Buffer.alloc(0);
    central.writeUInt16LE(extra.length, 30);
    central.writeUInt16LE(0, 32);
    central.writeUInt16LE(0, 34);
    central.writeUInt16LE(0, 36);
    const mode = entry.unixMode ?? (entry.name.endsWith('/') ? 0o40755 : 0o100644);
    central.writeUInt32LE(((mode & 0xffff) << 16) >>> 0, 38);
    central.writeUInt32LE(entry.centralOffsetOf === undefined ? offset : offsets[entry.centralOffsetOf]!, 42);
    centrals.push(central, centralName, extra);
    offset += localLength;
  }
  const centralSize = centrals.reduce((sum, b) => sum + b.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  const listed = entries.filter((entry) => !entry.localOnly).length;
  end.writeUInt16LE(listed, 8);
  end.writeUInt16LE(listed, 10);
  end.writeUInt32LE(centralSize, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, ...centrals, end]);
}

/** A minimal valid manifest.json text for tests. */
export function manifestText(name = 'demo_plugin', version = '1.0.0', extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ name, version, description: 'A test plugin', author: 'Tests', ...extra });
}
