import { applyFilesState } from './files-state.js';
import type { ManagerContext } from './manager-context.js';
import type { PluginRecord } from './record.js';
import type { ScannedPlugin } from './scanner.js';
import { initialState } from './state-machine.js';

export interface ScanEffects {
  /** Ends the host of a plugin whose folder is gone. */
  stop: (record: PluginRecord) => Promise<void>;
  /** Drops what is kept of a plugin whose folder is gone (a waiting restart, its crashes); true when it had any. */
  forget: (id: string) => boolean;
}

/**
 * Brings the records in line with what a scan found. A plugin whose lock someone other than the
 * waiting callers (`held`) holds is left as it is: that operation is changing its folder.
 */
export async function applyScan(
  context: ManagerContext,
  found: Map<string, ScannedPlugin>,
  held: ReadonlySet<string>,
  effects: ScanEffects,
): Promise<void> {
  const { records, locks, persisted } = context;
  for (const [id, record] of records) {
    if (found.has(id) || (locks.isBusy(id) && !held.has(id))) continue;
    const hadCrashes = effects.forget(id);
    await effects.stop(record);
    records.delete(id);
    const wasActive = persisted.active.delete(id);
    const wasDisabled = persisted.disabled.delete(id);
    persisted.resumeOnEnable.delete(id);
    if (wasActive || wasDisabled || hadCrashes) await context.save();
    context.log.info({ plugin: id }, 'plugin folder removed');
  }
  for (const [id, scan] of found) {
    const record = records.get(id);
    if (!record) {
      const fresh: PluginRecord = { scan, state: initialState(persisted.disabled.has(id)) };
      applyFilesState(fresh);
      records.set(id, fresh);
      continue;
    }
    // Running code keeps the manifest it was loaded with until it is unloaded or reloaded; a
    // plugin waiting to restart after a crash starts with the one it ran.
    if (record.state === 'active' || record.state === 'loading') continue;
    if (locks.isBusy(id) && !held.has(id)) continue;
    record.scan = scan;
    applyFilesState(record);
  }
}
