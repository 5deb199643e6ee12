import type { InstallAnswer, UninstallAnswer, UpdateAnswer } from '@oko/shared';
import type { StoreEntryAnswer } from '../store-integration/client/store-answers.js';
import type { InstalledPlugin } from '../store-integration/plugin-registry-port.js';
import type { InstalledDependency } from './dependencies/planner.js';
import type { ExpectedPackage } from './expected-package.js';

export type { ExpectedPackage } from './expected-package.js';

/**
 * The seams between the parts of versions (README "Versions, updates and dependencies"):
 * - the installer (store-integration/installer) installs, updates with a health window, rolls back
 *   and keeps packages (versions/package-cache);
 * - dependencies (versions/dependencies) wrap it: engines, plans, conflicts, IN_USE;
 * - policies (versions/policies) call the same update path for automatic updates.
 * Routes call the outermost implementation, so every path gets every check.
 */

export interface InstallOptions {
  /** Install the missing dependencies the plan names (else 409 DEPENDENCIES_REQUIRED with the plan). */
  acceptDependencies?: boolean;
  /** The entry and package must be this name and version (and ask no more than these permissions). */
  expected?: ExpectedPackage;
  /** The store's entry of `ref`, just fetched and checked by the caller: used instead of a second fetch. */
  entry?: StoreEntryAnswer;
  /**
   * The installed plugins as the caller just listed them: the checks before the download use them
   * instead of listing again (a rescan of every plugin folder). The checks under the lock list afresh.
   */
  installed?: InstalledPlugin[];
}

export interface UpdateOptions {
  /** Grant what the new version adds (else 409 PERMISSIONS_CHANGED). */
  acceptPermissions?: boolean;
  /** Move to an older version (else 409 DOWNGRADE). */
  allowDowngrade?: boolean;
  acceptDependencies?: boolean;
  /** Applied by the update policy check: recorded as such in last_update. */
  automatic?: boolean;
  /** The entry and package must be this name and version. */
  expected?: ExpectedPackage;
  /** As InstallOptions.entry. */
  entry?: StoreEntryAnswer;
}

export interface UninstallOptions {
  /** Unload the dependents first instead of refusing with IN_USE. */
  force?: boolean;
}

/** Install, update and uninstall as the routes and the policy check call them. */
export interface PluginUpdatePort {
  install(ref: string, options?: InstallOptions): Promise<InstallAnswer>;
  update(ref: string, options?: UpdateOptions): Promise<UpdateAnswer>;
  uninstall(ref: string, options?: UninstallOptions): Promise<UninstallAnswer>;
}

/**
 * What installed plugins require of the versions of others. The installer asks it before every
 * install, update and explicit rollback (from the package cache too, where the dependency wrapper
 * had no entry to check); the health gate's automatic rollback is exempt: it returns to what ran.
 */
export interface DependencyGuardPort {
  /**
   * Throws DEPENDENCY_CONFLICT naming the installed plugin and its constraint when `name`@`version`
   * would break it. `installed`: the plugins as the caller just listed them (else listed here).
   */
  assertVersionAllowed(name: string, version: string, installed?: InstalledDependency[]): Promise<void>;
}
