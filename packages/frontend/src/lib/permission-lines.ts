import {
  addedPermissions,
  describePermission,
  permissionLabels,
  type PermissionSet,
  type PlannedInstall,
  type PluginPermissions,
} from '@oko/shared';
import type { SignatureBadge } from './signature-badges.js';

/** A version's changelog as the "what's new" list shows it. */
export interface VersionChanges {
  version: string;
  created_at?: string;
  changelog: string | null;
}

/** What the user is asked to approve: an install, or an update (or downgrade) with what the plugin holds now. */
export interface PermissionRequest {
  mode: 'install' | 'update';
  name: string;
  /** What people call the plugin, in the dialog's title and sentences; the name when absent. */
  displayName?: string;
  version: string;
  /** What the package asks for (manifest.json `permissions`). */
  requested: PermissionSet;
  /** Update only: what the installed plugin is granted now. */
  granted?: PermissionSet;
  /** Update only: the version installed now. */
  from?: string;
  /** Update to an older version: the dialog says so before anything moves. */
  downgrade?: boolean;
  /** Update only: the versions newer than the installed one up to this one, newest first ("what's new"). */
  changes?: VersionChanges[];
  /** The plugins DEPENDENCIES_REQUIRED says must be installed too; confirming installs them. */
  plan?: PlannedInstall[];
  /** The package's signature as this dashboard judges it, when the caller read it. */
  signature?: SignatureBadge;
}

/** One line of a permissions list: the permission in words, and whether it is new to the plugin. */
export interface PermissionLine {
  label: string;
  text: string;
  added: boolean;
}

/**
 * What a package asks for, in words, for a confirm dialog. With `granted` (an update), each line
 * says whether it is new, and `dropped` lists what the plugin held and no longer asks for.
 */
export function permissionLines(
  requested: PluginPermissions | null | undefined,
  granted?: PluginPermissions | null,
): { lines: PermissionLine[]; dropped: string[] } {
  const added = new Set(granted === undefined ? [] : addedPermissions(granted, requested));
  const lines = permissionLabels(requested).map((label) => ({ label, text: describePermission(label), added: added.has(label) }));
  const dropped = granted === undefined ? [] : addedPermissions(requested, granted).map(describePermission);
  return { lines, dropped };
}
