import { formatIssues } from '@oko/shared';
import type { ManagerContext } from './manager-context.js';
import type { PluginRecord } from './record.js';
import type { SignatureGate } from './signature-gate.js';
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

/**
 * Every start of the backend re-checks each plugin's files: a changed, added or removed one puts
 * the plugin in error naming the file (the restore then refuses it too, by the same check).
 */
export async function checkFilesAtStart(context: ManagerContext, signatures: SignatureGate): Promise<void> {
  for (const record of context.records.values()) {
    const { signature } = await signatures.check(record.scan);
    record.signature = signature;
    const tampered = signature.state === 'modified' || signature.state === 'invalid';
    if (!tampered || !canTransition(record.state, 'filesInvalid')) continue;
    record.state = stateAfter(record.state, 'filesInvalid');
    record.error = { reason: signature.reason ?? signature.state, at: new Date().toISOString(), fromManifest: false };
    context.log.warn({ plugin: record.scan.id }, `plugin files refused: ${record.error.reason}`);
  }
}
