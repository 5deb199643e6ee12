import { createError } from '@oko/shared';

/**
 * In-memory claims on plugin names and catalog ids while an install, update or uninstall runs.
 * `claim` is synchronous on purpose: called before the first await, two requests arriving in the
 * same tick cannot both pass the check.
 */
export class InstallLocks {
  private readonly held = new Set<string>();

  /** Claims every key or none; throws INSTALL_IN_PROGRESS (409) if one is taken. */
  claim(keys: readonly string[], label: string): () => void {
    const wanted = [...new Set(keys)];
    if (wanted.some((key) => this.held.has(key))) {
      throw createError('INSTALL_IN_PROGRESS', `An install, update or uninstall of '${label}' is already in progress`);
    }
    for (const key of wanted) this.held.add(key);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      for (const key of wanted) this.held.delete(key);
    };
  }

  isHeld(key: string): boolean {
    return this.held.has(key);
  }
}
