import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { StoreEntryAnswer as CatalogEntry } from '../client/store-answers.js';

/**
 * A small file written into each plugin the installer installs, saying which catalog entry it
 * came from. It moves into place with the plugin (same rename), so uninstall by store id works
 * even while the store is down.
 */
const INSTALL_RECORD_FILE = '.oko-install.json';

export interface InstallRecord {
  store_id: string;
  name: string;
  version: string;
  sha256: string;
  installed_at: string;
}

export async function writeInstallRecord(pluginDir: string, entry: CatalogEntry): Promise<void> {
  const record: InstallRecord = {
    store_id: entry.id,
    name: entry.name,
    version: entry.version,
    sha256: entry.sha256,
    installed_at: new Date().toISOString(),
  };
  await writeFile(path.join(pluginDir, INSTALL_RECORD_FILE), `${JSON.stringify(record, null, 2)}\n`);
}

/** The installed folder whose record names `storeId`, if any. Unreadable records are skipped. */
export async function findInstalledByStoreId(pluginsDir: string, storeId: string): Promise<string | undefined> {
  let names: string[];
  try {
    names = await readdir(pluginsDir);
  } catch {
    return undefined;
  }
  for (const name of names) {
    if (name.startsWith('.')) continue;
    try {
      const record = JSON.parse(await readFile(path.join(pluginsDir, name, INSTALL_RECORD_FILE), 'utf8')) as Partial<InstallRecord>;
      if (record.store_id === storeId) return name;
    } catch {
      // Not installed from the store, or a record we cannot read: not this one.
    }
  }
  return undefined;
}
