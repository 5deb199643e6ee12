import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { createError, engineProblem } from '@oko/shared';
import { extractPluginArchive, type PluginFiles } from '@oko/shared/archive';
import { mapFsError } from './fs-errors.js';
import { writeInstallRecord } from './install-record.js';
import type { PackageSource } from './package-source.js';
import type { PluginsFolder } from './plugins-folder.js';

/**
 * Fetches `source` (a verified download, or a re-hashed cached package), extracts it into a fresh
 * `.staging-*` folder, writes its install record and hands the plugin folder, its checked files
 * and the ZIP (for the package cache) to `place`. The staging folder is removed whatever
 * happens, and a file-system failure anywhere (in `place` too) becomes the error the user can act on.
 */
export async function withStagedPackage<T>(
  folder: PluginsFolder,
  source: PackageSource,
  place: (pluginDir: string, files: PluginFiles, zipFile: string) => Promise<T>,
): Promise<T> {
  const { entry } = source;
  const staging = await folder.createStaging();
  try {
    const zipFile = path.join(staging, 'package.zip');
    await source.fetch(zipFile);
    const extractDir = path.join(staging, 'extracted');
    await mkdir(extractDir);
    const { pluginDir, manifest, ui, warnings } = await extractPluginArchive(zipFile, extractDir);
    if (manifest.name !== entry.name) {
      throw createError('INVALID_PACKAGE', `The package's manifest names '${manifest.name}' but the catalog entry is '${entry.name}'`);
    }
    // Every version check (DOWNGRADE, dependency ranges, policy bounds, the cache history) read the entry's version.
    if (manifest.version !== entry.version) {
      throw createError(
        'INVALID_PACKAGE',
        `The package of '${entry.name}' is version ${manifest.version} but the catalog entry says ${entry.version}; nothing was installed`,
      );
    }
    // The package's own manifest counts, whatever the catalog said (README "Engines and dependencies").
    const engine = engineProblem(manifest.engines?.oko);
    if (engine) throw createError('INCOMPATIBLE', `Plugin '${entry.name}' ${entry.version} cannot run here: ${engine}`);
    await writeInstallRecord(pluginDir, entry);
    return await place(pluginDir, { manifest, ui, warnings }, zipFile);
  } catch (error) {
    throw mapFsError(error, folder.dir);
  } finally {
    await folder.removeQuietly(staging);
  }
}
