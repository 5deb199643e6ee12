import { addedPermissions, createError, type PluginPermissions } from '@oko/shared';

/**
 * What a caller chose (and showed for consent) before the installer fetches the entry again (or is
 * handed it): a dependency plan's step, the policy check's pick, the entry the dependency checks
 * ran on. The store answers each fetch anew, so the entry and the package must be exactly this, or
 * nothing is installed: otherwise a store could show one version (or plugin, or set of
 * permissions) and hand over another.
 */
export interface ExpectedPackage {
  name: string;
  version: string;
  /** The permissions shown in the plan; the package may not declare more. */
  permissions?: PluginPermissions;
}

export function assertExpectedEntry(entry: { id: string; name: string; version: string }, expected: ExpectedPackage | undefined): void {
  if (!expected || (entry.name === expected.name && entry.version === expected.version)) return;
  throw createError(
    'BAD_STORE_ANSWER',
    `The store's entry ${entry.id} is ${entry.name} ${entry.version}, but ${expected.name} ${expected.version} was chosen; nothing was installed`,
    {
      details: {
        expected: { name: expected.name, version: expected.version },
        entry: { id: entry.id, name: entry.name, version: entry.version },
      },
    },
  );
}

/** The package declares no permission beyond those shown for consent. */
export function assertExpectedPermissions(declared: PluginPermissions | undefined, expected: ExpectedPackage | undefined): void {
  if (!expected?.permissions) return;
  const added = addedPermissions(expected.permissions, declared);
  if (added.length === 0) return;
  throw createError(
    'PERMISSIONS_CHANGED',
    `The package of ${expected.name} ${expected.version} asks for more than the plan showed (${added.join('; ')}); nothing was installed`,
    { details: { added } },
  );
}

/** The store was asked for `ref` (an id or a name): an entry that is neither is another plugin's. */
export function assertEntryOfRef(ref: string, entry: { id: string; name: string; version: string }): void {
  if (entry.id === ref || entry.name === ref) return;
  throw createError(
    'BAD_STORE_ANSWER',
    `The store answered '${ref}' with ${entry.name} ${entry.version} (entry ${entry.id}), which is neither that id nor that name; nothing was changed`,
  );
}
