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
  for (const id of context.records.keys()) if (!found.has(id)) await applyOne(context, id, undefined, held, effects);
  for (const [id, scan] of found) await applyOne(context, id, scan, held, effects);
}

/** Brings the record of plugin `id` in line with its folder as scanned (`scan` undefined: no folder), under the same rule. */
export async function applyOne(
  context: ManagerContext,
  id: string,
  scan: ScannedPlugin | undefined,
  held: ReadonlySet<string>,
  effects: ScanEffects,
): Promise<void> {
  const { records, locks, persisted } = context;
  const record = records.get(id);
  const heldByOther = locks.isBusy(id) && !held.has(id);
  if (!scan) {
    if (!record || heldByOther) return;
    const hadCrashes = effects.forget(id);
    await effects.stop(record);
    records.delete(id);
    const wasActive = persisted.active.delete(id);
    const wasDisabled = persisted.disabled.delete(id);
    persisted.resumeOnEnable.delete(id);
    if (wasActive || wasDisabled || hadCrashes) await context.save();
    context.log.info({ plugin: id }, 'plugin folder removed');
    return;
  }
  if (!record) {
    const fresh: PluginRecord = { scan, state: initialState(persisted.disabled.has(id)) };
    applyFilesState(fresh);
    records.set(id, fresh);
    return;
  }
  // Running code keeps the manifest it was loaded with until it is unloaded or reloaded; a
  // plugin waiting to restart after a crash starts with the one it ran.
  if (record.state === 'active' || record.state === 'loading' || heldByOther) return;
  record.scan = scan;
  applyFilesState(record);
}
