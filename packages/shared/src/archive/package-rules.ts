import { SIGNATURE_FILE } from '../signature.js';
import { listPackageFiles } from './pack.js';

/**
 * The one rule for what a plugin package leaves out, used by `oko-plugin pack` and by signing, so
 * a signature lists exactly the files the package holds: VCS data and installed dependencies
 * anywhere, macOS folder litter, and the plugin's own tests (top-level test/), which the dashboard
 * never runs.
 */
export function excludedFromPackage(relativePath: string): boolean {
  const parts = relativePath.split('/');
  if (parts.some((part) => part === '.git' || part === 'node_modules' || part === '.DS_Store')) return true;
  return relativePath === 'test';
}

/**
 * The `/`-relative paths, sorted, that `oko-plugin pack` puts in the package of a source folder,
 * minus oko-signature.json: what a signature's `files` lists.
 */
export async function packagedFiles(dir: string): Promise<string[]> {
  const files = await listPackageFiles(dir, { exclude: excludedFromPackage });
  return files.filter((file) => file !== SIGNATURE_FILE);
}

/**
 * Every file of an extracted or installed package, minus oko-signature.json. No exclusions here:
 * a ZIP not made by `pack` may hold a test/ or node_modules/ folder, and whatever is on disk can be
 * loaded, so all of it must be in the signature.
 */
export async function packageContents(dir: string): Promise<string[]> {
  const files = await listPackageFiles(dir);
  return files.filter((file) => file !== SIGNATURE_FILE);
}
