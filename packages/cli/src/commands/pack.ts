import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { excludedFromPackage, packPluginDirectory } from '@oko/shared/archive';
import { checkPlugin, invalidPlugin } from '../lib/check-plugin.js';
import { usageError } from '../lib/errors.js';
import { formatBytes } from '../lib/progress.js';
import type { Invocation } from '../lib/invocation.js';

/** The shared package rule (the one signing uses), plus the ZIP being written when it lands inside the folder. */
function excluded(rel: string, outRel: string): boolean {
  return excludedFromPackage(rel) || rel === outRel;
}

export interface PackResult {
  file: string;
  name: string;
  version: string;
  size: number;
  sha256: string;
}

/** Validates a plugin folder, then writes the normalized ZIP the store accepts; relative paths are taken from cwd. */
export async function packFolder(dir: string, outFile: string | undefined, cwd: string): Promise<PackResult> {
  const checked = await checkPlugin(dir, cwd);
  if (checked.kind !== 'folder') throw usageError(`pack takes a plugin folder, not a file: ${dir}`);
  if (checked.issues.length > 0 || !checked.manifest) {
    throw invalidPlugin(dir, checked.issues, 'nothing packed');
  }
  const { name, version } = checked.manifest;
  const file = path.resolve(cwd, outFile ?? `${name}-${version}.zip`);
  const relativeOut = path.relative(checked.dir, file).split(path.sep).join('/');
  // `-o dist/x.zip` in a fresh checkout: make the folder, as build tools do, instead of failing on it.
  await mkdir(path.dirname(file), { recursive: true });
  const { size, sha256 } = await packPluginDirectory(checked.dir, file, {
    exclude: (rel) => excluded(rel, relativeOut),
  });
  return { file, name, version, size, sha256 };
}

export async function packCommand(dir: string, outFile: string | undefined, { cwd, out }: Invocation): Promise<void> {
  const packed = await packFolder(dir, outFile, cwd);
  out.info(`packed ${packed.name} ${packed.version}: ${formatBytes(packed.size)}, sha256 ${packed.sha256}`);
  out.result(packed.file);
}
