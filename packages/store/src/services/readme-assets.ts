import { constants } from 'node:fs';
import { open, realpath } from 'node:fs/promises';
import path from 'node:path';
import { createError, README_ASSET_MAX_BYTES, README_ASSET_TYPES, readmeAssetType } from '@oko/shared';
import { findFileInside } from '@oko/shared/server';

/** Percent-encodings of `.`, `/`, `\`, NUL and `%` itself: a path that needs them is no README image link. */
const ENCODED_TRICKS = /%(2e|2f|5c|00|25)/i;
// Controls of any kind, including NUL; a file name with them is no image a README links.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001F\u007F]/;

/**
 * Why the path part of a request URL (`rawPath`, still percent-encoded) and its decoded asset path
 * `relative` are refused as unsafe, or null: `..` and `.` segments, an absolute path, a backslash,
 * NUL and controls, empty segments, and encoded dots, slashes, backslashes and percents (a client
 * that encodes them means to get past a check).
 */
export function assetPathProblem(rawPath: string, relative: string): string | null {
  if (ENCODED_TRICKS.test(rawPath)) return 'an encoded dot, slash, backslash, NUL or percent';
  if (relative === '') return 'no file named';
  if (relative.startsWith('/')) return 'an absolute path';
  if (relative.includes('\\')) return 'a backslash';
  if (CONTROL.test(relative)) return 'a control character';
  const segments = relative.split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..')) return "an empty, '.' or '..' segment";
  return null;
}

/**
 * An image file of the plugin folder, read whole: only a regular file inside the folder (after
 * symlinks), under no dot-named folder or name, not left out of the package (`outsidePackage`), of a README image type, at most
 * README_ASSET_MAX_BYTES. Anything else is NOT_FOUND, so the answer tells nothing of what else the
 * folder holds.
 */
export async function readReadmeAsset(
  pluginDir: string,
  relative: string,
  outsidePackage?: (relativePath: string) => boolean,
): Promise<{ body: Buffer; type: string }> {
  const notServed = (why: string) => createError('NOT_FOUND', `${JSON.stringify(relative)} is not served: ${why}`);
  const type = readmeAssetType(relative);
  if (type === null) throw notServed(`only images (${Object.keys(README_ASSET_TYPES).join(', ')}) are`);
  // Each leading part of the path, as the package walk meets it (a folder left out leaves out what it holds).
  const segments = relative.split('/');
  if (outsidePackage && segments.some((_, i) => outsidePackage(segments.slice(0, i + 1).join('/')))) {
    throw notServed('not in the package');
  }
  const file = await findFileInside(pluginDir, relative);
  if (file === null) throw notServed('no such file in the package');
  const inside = path.relative(await realpath(pluginDir), file).split(path.sep);
  if ([...relative.split('/'), ...inside].some((segment) => segment.startsWith('.'))) throw notServed('a dotfile or dot folder');
  // What is checked is what is read: one handle for the size check and the read (non-blocking, so a FIFO cannot hang it).
  const handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const found = await handle.stat();
    if (!found.isFile()) throw notServed('not a file');
    if (found.size > README_ASSET_MAX_BYTES) throw notServed(`larger than ${README_ASSET_MAX_BYTES / (1024 * 1024)} MiB`);
    return { body: await handle.readFile(), type };
  } finally {
    await handle.close();
  }
}
