import type { GuardPolicy } from './policy.js';

export type { GuardPolicy } from './policy.js';

/**
 * Installs the network, DNS, Unix-socket and process.kill guards in this process, before plugin
 * code loads. They hold because plugin code, under Node's permission model, cannot reach the raw
 * bindings they wrap (docs/architecture.md#sandbox).
 */
export function installGuards(policy: GuardPolicy): void {
  void policy; // placeholder until the guards land
}
