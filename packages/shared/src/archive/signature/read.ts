import { lstat, readFile } from 'node:fs/promises';
import path from 'node:path';
import { scanJsonText } from '../../bounded-parse.js';
import { createError } from '../../errors.js';
import { isSafeRelativePath } from '../../manifest.js';
import { PluginSignatureFile, SIGNATURE_FILE } from '../../signature.js';
import { checkSchema, formatIssues } from '../../validation.js';
import { DEFAULT_ARCHIVE_LIMITS } from '../limits.js';

/**
 * Bounds on oko-signature.json. It lists every file of the package, so it is larger than the other
 * metadata files: up to as many entries as an archive may hold, each a path of at most 500
 * characters and a 64-character digest.
 */
export const SIGNATURE_MAX_FILES = DEFAULT_ARCHIVE_LIMITS.maxEntries;
export const SIGNATURE_MAX_BYTES = 4 * 1024 * 1024;

function problem(message: string): never {
  throw createError('INVALID_SIGNATURE', `${SIGNATURE_FILE}: ${message}`);
}

/**
 * Parses and schema-checks the text of oko-signature.json. Throws INVALID_SIGNATURE (422) naming
 * the problem: too large, not JSON, a duplicate key (JSON.parse would silently keep the last
 * `"index.js"` digest), a missing or extra field, an unsafe path.
 */
export function parseSignature(text: string): PluginSignatureFile {
  if (text.length > SIGNATURE_MAX_BYTES || Buffer.byteLength(text) > SIGNATURE_MAX_BYTES) {
    problem(`is larger than ${SIGNATURE_MAX_BYTES} bytes`);
  }
  const scanned = scanJsonText(text, SIGNATURE_FILE);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    problem(`not valid JSON (${(error as Error).message})`);
  }
  if (scanned.length > 0) problem(formatIssues(scanned).replace(`${SIGNATURE_FILE}: `, ''));
  const issues = checkSchema(PluginSignatureFile, data, SIGNATURE_FILE);
  if (issues.length > 0) problem(formatIssues(issues.slice(0, 5)).replaceAll(`${SIGNATURE_FILE}: `, ''));
  const signature = data as PluginSignatureFile;
  const files = Object.keys(signature.files);
  if (files.length > SIGNATURE_MAX_FILES) problem(`lists more than ${SIGNATURE_MAX_FILES} files`);
  const unsafe = files.find((file) => !isSafeRelativePath(file) || file === SIGNATURE_FILE);
  if (unsafe !== undefined) problem(`files: not a file of the package: ${JSON.stringify(unsafe)}`);
  // 64 bytes, base64: anything else cannot be an Ed25519 signature, whatever the key.
  if (Buffer.from(signature.signature, 'base64').length !== 64 || !/^[A-Za-z0-9+/]+={0,2}$/.test(signature.signature)) {
    problem('signature: not a base64 Ed25519 signature (64 bytes)');
  }
  return signature;
}

/**
 * oko-signature.json at the root of a plugin folder: null when there is none (an unsigned plugin),
 * else the checked signature. Throws INVALID_SIGNATURE for one that is there but unreadable.
 */
export async function readSignature(dir: string): Promise<PluginSignatureFile | null> {
  const file = path.join(dir, SIGNATURE_FILE);
  const stat = await lstat(file).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return null;
    throw error;
  });
  if (!stat) return null;
  if (!stat.isFile()) problem('must be a regular file');
  if (stat.size > SIGNATURE_MAX_BYTES) problem(`is larger than ${SIGNATURE_MAX_BYTES} bytes`);
  return parseSignature(await readFile(file, 'utf8'));
}
