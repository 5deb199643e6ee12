import { createError, DEV_MAX_BYTES, type DevPluginPush } from '@oko/shared';
import { EntryNameRegistry, entryNameProblem } from '@oko/shared/archive';

/** One file of a push, decoded and checked: nothing about it is taken on trust. */
export interface PushedFile {
  path: string;
  bytes: Buffer;
  executable: boolean;
}

export interface CheckedPush {
  files: PushedFile[];
  removed: string[];
}

const BASE64_ALPHABET = new Uint8Array(128);
for (const char of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/') BASE64_ALPHABET[char.charCodeAt(0)] = 1;

/**
 * Strict base64 (RFC 4648, padded): Buffer.from skips what it does not understand, which would
 * hide a broken client. A loop, not a regular expression: one over 40 MB of text overflows the stack.
 */
export function isStrictBase64(text: string): boolean {
  if (text.length % 4 !== 0) return false;
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  for (let i = 0; i < text.length - padding; i++) {
    const code = text.charCodeAt(i);
    if (code >= 128 || BASE64_ALPHABET[code] !== 1) return false;
  }
  return true;
}

function decodedLength(text: string): number {
  if (text.length % 4 !== 0) return Math.ceil((text.length * 3) / 4);
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  return (text.length / 4) * 3 - padding;
}

/**
 * Why `relative` may not name a file of a development plugin, or null. The archive rules apply
 * (no `..` or `.` segment, nothing absolute, no backslash, control character, drive letter, empty
 * segment); a name ending in `/` is a folder, which a push never sends.
 */
export function pushPathProblem(relative: string): string | null {
  if (relative.endsWith('/')) return 'names a folder; send its files';
  const problem = entryNameProblem(relative);
  return problem && problem.replace(/^entry name/, 'path');
}

function assertPath(relative: string, field: string): void {
  const problem = pushPathProblem(relative);
  if (problem) throw createError('VALIDATION_FAILED', `${field} ${JSON.stringify(relative)}: ${problem}`, { details: { path: relative } });
}

/** Comparison key for duplicates: names differing only in case are one file on some file systems. */
const keyOf = (relative: string) => relative.normalize('NFC').toLowerCase();

/**
 * Checks a push before anything touches the disk: every path, every base64 text, the bound on
 * decoded bytes (DEV_MAX_BYTES; the file count is bounded by the schema), and no path given twice
 * or both written and removed. Throws VALIDATION_FAILED or PAYLOAD_TOO_LARGE.
 */
export function checkPush(push: DevPluginPush, maxBytes = DEV_MAX_BYTES): CheckedPush {
  const seen = new Set<string>();
  // A file and a folder of one name (`lib` and `lib/a.js`) would otherwise depend on their order:
  // one is refused, the other silently deletes the folder's files. One push is one tree, as an archive is.
  const tree = new EntryNameRegistry();
  let total = 0;
  for (const file of push.files) {
    assertPath(file.path, 'file');
    if (seen.has(keyOf(file.path))) throw createError('VALIDATION_FAILED', `file ${JSON.stringify(file.path)} is sent twice`);
    seen.add(keyOf(file.path));
    const clash = tree.add(file.path, 'file');
    if (clash) throw createError('VALIDATION_FAILED', `file ${JSON.stringify(file.path)}: ${clash.replace(/^entry/, 'path')}`);
    // The size first: it costs nothing, and an oversized push is refused before its text is read.
    total += decodedLength(file.content_base64);
    if (total > maxBytes) {
      throw createError('PAYLOAD_TOO_LARGE', `The pushed files hold more than ${maxBytes} bytes (DEV_MAX_BYTES)`, {
        details: { max_bytes: maxBytes },
      });
    }
    if (!isStrictBase64(file.content_base64)) {
      throw createError('VALIDATION_FAILED', `file ${JSON.stringify(file.path)}: content_base64 is not valid base64`);
    }
  }
  const removed = push.removed ?? [];
  for (const relative of removed) {
    assertPath(relative, 'removed');
    if (seen.has(keyOf(relative))) throw createError('VALIDATION_FAILED', `${JSON.stringify(relative)} is both sent and removed`);
  }
  return {
    files: push.files.map((file) => ({
      path: file.path,
      bytes: Buffer.from(file.content_base64, 'base64'),
      // Only the executable bits are kept: a pushed mode never makes a file writable by others or setuid.
      executable: ((file.mode ?? 0) & 0o111) !== 0,
    })),
    removed,
  };
}
