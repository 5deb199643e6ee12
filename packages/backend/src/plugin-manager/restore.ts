import type { ManagerContext } from './manager-context.js';
import { dependencyOrder } from './plugin-dependencies.js';
import { canTransition, stateAfter } from './state-machine.js';

/*
 * A restart of the backend: the plugins that were active are loaded again, one at a time, each
 * named in the state file while it loads. If its setup takes the whole backend down, the next
 * start knows which plugin to leave out.
 */

/** Takes the plugin whose restore the backend did not survive out of the active set; call before the first scan. */
export async function takeInterruptedRestore(context: ManagerContext): Promise<string | undefined> {
  const interrupted = context.persisted.restoring;
  if (interrupted === undefined) return undefined;
  context.persisted.active.delete(interrupted);
  context.persisted.restoring = undefined;
  await context.save();
  return interrupted;
}

/** Leaves that plugin in error with the reason, instead of loading it again (and again). */
export function markInterruptedRestore(context: ManagerContext, interrupted: string | undefined): void {
  const record = interrupted === undefined ? undefined : context.records.get(interrupted);
  if (!record || !canTransition(record.state, 'restoreInterrupted')) return;
  record.state = stateAfter(record.state, 'restoreInterrupted');
  const reason = 'the backend stopped while loading this plugin again after a restart, so it was not loaded automatically; load it by hand';
  record.error = { reason, at: new Date().toISOString(), fromManifest: false };
  context.log.error({ plugin: interrupted }, `plugin not restored: ${reason}`);
}

/**
 * Loads again every plugin that was active before the restart (one waiting to restart after a
 * crash included), dependencies before their dependents; failures end in state error. `load` keeps the plugin's crash count.
 */
export async function restoreActive(context: ManagerContext, load: (id: string) => Promise<unknown>): Promise<void> {
  // Dependencies first: a plugin starts only once those it names run (plugin-dependencies.ts).
  for (const id of dependencyOrder(context.persisted.active, context.records)) {
    if (context.shuttingDown) return;
    if (context.records.get(id)?.state !== 'discovered') continue;
    context.persisted.restoring = id;
    await context.save();
    await load(id).catch((error: Error) => context.log.warn({ plugin: id }, `not restored: ${error.message}`));
  }
  if (context.persisted.restoring === undefined || context.shuttingDown) return;
  context.persisted.restoring = undefined;
  await context.save();
}
