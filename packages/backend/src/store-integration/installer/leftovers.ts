import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';

/** Prefixes of the installer's working folders inside plugins/; discovery skips names starting with '.'. */
export const STAGING_PREFIX = '.staging-';
export const TRASH_PREFIX = '.trash-';

/**
 * Removes staging and trash folders a killed backend left behind. Run at startup, before any
 * install can start, so nothing half-installed or half-removed survives a crash.
 */
export async function removeLeftovers(pluginsDir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(pluginsDir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const leftovers = names.filter((name) => name.startsWith(STAGING_PREFIX) || name.startsWith(TRASH_PREFIX));
  for (const name of leftovers) {
    await rm(path.join(pluginsDir, name), { recursive: true, force: true });
  }
  return leftovers;
}
