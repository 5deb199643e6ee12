import { createError, isOkoError } from '@oko/shared';

/** What the IN_USE guard reads and does (PluginManager satisfies it: summaries carry `dependencies` and `state`). */
export interface DependentsRegistry {
  list(): Promise<Array<{ id: string; state?: string; dependencies?: Record<string, string> }>>;
  unload(id: string): Promise<unknown>;
}

const RUNNING = new Set(['active', 'loading']);

/**
 * Refuses taking `id` away while plugins depend on it (409 IN_USE naming them), unless `force`,
 * which unloads the running ones first (their own running dependents before them). For unload and
 * disable only running dependents count; for uninstall every installed one does.
 */
export async function guardDependents(
  registry: DependentsRegistry,
  id: string,
  mode: 'unload' | 'uninstall',
  force: boolean,
): Promise<void> {
  const plugins = await registry.list();
  const dependentsOf = (name: string) => plugins.filter((plugin) => plugin.dependencies?.[name] !== undefined);
  const counted = dependentsOf(id).filter((plugin) => mode === 'uninstall' || RUNNING.has(plugin.state ?? ''));
  if (counted.length === 0) return;
  const dependents = counted.map((plugin) => plugin.id).sort();
  if (!force) {
    const them = dependents.length === 1 ? 'it' : 'them';
    // Uninstall counts stopped dependents too, so only uninstalling them clears the way; forcing stops the running ones.
    const advice =
      mode === 'uninstall'
        ? `uninstall ${them} first, or force it (?force=true): the dependents are stopped and cannot load until '${id}' is back`
        : `stop ${them} first, or force it (?force=true), which stops ${them} too`;
    throw createError(
      'IN_USE',
      `Plugin '${id}' is needed by ${dependents.join(', ')}, so it cannot be ${mode === 'uninstall' ? 'uninstalled' : 'stopped'}; ${advice}`,
      { details: { dependents } },
    );
  }
  const done = new Set<string>([id]);
  const unloadRunning = async (name: string): Promise<void> => {
    for (const plugin of dependentsOf(name)) {
      if (done.has(plugin.id) || !RUNNING.has(plugin.state ?? '')) continue;
      done.add(plugin.id);
      await unloadRunning(plugin.id);
      // Stopped meanwhile by someone else: what force asked for holds.
      await registry.unload(plugin.id).catch((error: unknown) => {
        if (!isOkoError(error) || error.code !== 'ILLEGAL_TRANSITION') throw error;
      });
    }
  };
  await unloadRunning(id);
}
