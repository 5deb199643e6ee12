import { addedPermissions, describePermission, permissionLabels, type PermissionSet, type PluginPermissions } from '@oko/shared';

/** What the user is asked to approve: an install, or an update with what the plugin holds now. */
export interface PermissionRequest {
  mode: 'install' | 'update';
  name: string;
  version: string;
  /** What the package asks for (manifest.json `permissions`). */
  requested: PermissionSet;
  /** Update only: what the installed plugin is granted now. */
  granted?: PermissionSet;
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
