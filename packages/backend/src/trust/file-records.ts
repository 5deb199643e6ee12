import { Type } from 'typebox';
import { PluginFileStore } from '../permissions/grant-store.js';

/**
 * The SHA-256 of each file of a plugin as the installer placed it, kept in the backend's data
 * folder (OKO_DATA_DIR/file-records/{id}.json), never in the plugin's folder: there the record
 * would itself be a file of the plugin, and the plugin's own code could rewrite it.
 */
export const FileRecord = Type.Object({
  version: Type.String(),
  recorded_at: Type.String(),
  files: Type.Record(Type.String(), Type.String({ pattern: '^[0-9a-f]{64}$' })),
});

export function fileRecordStore(dataDir: string): PluginFileStore<typeof FileRecord> {
  return new PluginFileStore(dataDir, 'file-records', FileRecord);
}
