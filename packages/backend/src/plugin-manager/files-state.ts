import { formatIssues } from '@oko/shared';
import type { PluginRecord } from './record.js';
import { canTransition, stateAfter } from './state-machine.js';

/**
 * What a scan's view of the files does to a plugin that is not running: invalid files put it in
 * error with their issues as the reason; fixed files take it back to discovered, but only when
 * the error came from the files (a crash or a failed load stays until the user acts).
 */
export function applyFilesState(record: PluginRecord): void {
  if (record.scan.issues.length > 0) {
    if (!canTransition(record.state, 'filesInvalid')) return;
    record.state = stateAfter(record.state, 'filesInvalid');
    // Keeps the time the plugin first went wrong while its files stay wrong.
    record.error = { reason: formatIssues(record.scan.issues), at: record.error?.at ?? new Date().toISOString(), fromManifest: true };
  } else if (record.error?.fromManifest && canTransition(record.state, 'filesFixed')) {
    record.state = stateAfter(record.state, 'filesFixed');
    record.error = undefined;
  }
}
