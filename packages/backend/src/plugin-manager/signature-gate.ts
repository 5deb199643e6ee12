import type { InstalledSignature, OkoError } from '@oko/shared';
import type { ScannedPlugin } from './scanner.js';

/**
 * What the plugin manager asks of the trust service (src/trust/): a plugin's signature state, and
 * whether its files may run. Behind an interface so the manager knows no keys or policies.
 */
export interface SignatureGate {
  /** The state to show; computed once per scan of the folder (a load or a start checks afresh). */
  signatureOf(scan: ScannedPlugin): Promise<InstalledSignature>;
  /** Hashes the files now; `refusal` when they may not run (tampered, invalid, or not valid under require). */
  check(scan: ScannedPlugin): Promise<{ signature: InstalledSignature; refusal?: OkoError }>;
}
