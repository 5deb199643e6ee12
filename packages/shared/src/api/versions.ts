import { Type, type Static } from 'typebox';
import { PLUGIN_NAME_PATTERN } from '../manifest.js';
import { PermissionSet, PluginPermissions } from '../permissions.js';
import { CatalogEntry } from './store.js';

/**
 * Payloads of versions, updates and dependencies (README "Versions"): the store's version history
 * and GitHub refresh, and the backend's pins, update policies, rollback and dependency plans.
 */

// ---- Store -------------------------------------------------------------------------------------

/** Routes named `{name}` take a plugin name only, never a catalog id (the two never share a shape). */
export const PluginNameParams = Type.Object({
  // A name never has a catalog id's shape (manifest validation refuses it), so such a segment is refused here too.
  name: Type.String({
    pattern: `^(?![0-9a-f]{12}$)${PLUGIN_NAME_PATTERN.slice(1)}`,
    maxLength: 64,
    description: 'A plugin name, never a catalog id',
  }),
});
export type PluginNameParams = Static<typeof PluginNameParams>;

/** One published version of a plugin, as the history lists it. */
export const StoreVersion = Type.Object({
  id: CatalogEntry.properties.id,
  version: CatalogEntry.properties.version,
  created_at: CatalogEntry.properties.created_at,
  size: CatalogEntry.properties.size,
  sha256: CatalogEntry.properties.sha256,
  changelog: Type.Union([Type.String(), Type.Null()], {
    description: "This version's section of the package's CHANGELOG.md (Markdown, at most 16 KiB), null when it has none",
  }),
  permissions: CatalogEntry.properties.permissions,
  engines: Type.Union([Type.String(), Type.Null()], { description: 'manifest.json engines.oko, null when not declared' }),
  dependencies: Type.Record(Type.String(), Type.String(), { description: 'manifest.json dependencies (name → semver range)' }),
});
export type StoreVersion = Static<typeof StoreVersion>;

/** GET /plugins/{name}/versions: every version, newest first (semver order). */
export const StoreVersionList = Type.Object({ name: Type.String(), versions: Type.Array(StoreVersion) });
export type StoreVersionList = Static<typeof StoreVersionList>;

/** POST /plugins/{name}/refresh: `published` made a new version; `unchanged` found the same content as the listed version. */
export const RefreshResult = Type.Object({
  status: Type.Union([Type.Literal('published'), Type.Literal('unchanged')]),
  plugin: CatalogEntry,
  message: Type.String(),
});
export type RefreshResult = Static<typeof RefreshResult>;

/** POST /webhooks/github: what each matching tracked plugin's refresh gave. */
export const GithubWebhookAnswer = Type.Object({
  event: Type.String({ description: 'X-GitHub-Event (push, release, ping; others are accepted and ignored)' }),
  refreshed: Type.Array(
    Type.Object({
      name: Type.String(),
      status: Type.Union([Type.Literal('published'), Type.Literal('unchanged'), Type.Literal('failed')]),
      version: Type.Optional(Type.String()),
      error: Type.Optional(Type.Object({ code: Type.String(), message: Type.String() })),
    }),
  ),
});
export type GithubWebhookAnswer = Static<typeof GithubWebhookAnswer>;

// ---- Backend -----------------------------------------------------------------------------------

export const UPDATE_POLICIES = ['manual', 'patch', 'minor', 'major'] as const;
/** How far the scheduled check may move a plugin: never (manual), within its minor (patch), its major (minor), or any newer (major). */
export const UpdatePolicy = Type.Enum(UPDATE_POLICIES);
export type UpdatePolicy = Static<typeof UpdatePolicy>;

export const LastUpdate = Type.Object({
  from: Type.String({ description: 'Version before the update' }),
  to: Type.String({ description: 'Version the update installed' }),
  at: Type.String({ description: 'ISO time the update was applied' }),
  result: Type.Union([Type.Literal('watching'), Type.Literal('updated'), Type.Literal('rolled_back')], {
    description:
      'watching: inside the health window (OKO_UPDATE_HEALTH_WINDOW_S); rolled_back: the new version failed and `from` runs again',
  }),
  reason: Type.Optional(Type.String({ description: 'Why it was rolled back' })),
  watch_until: Type.Optional(Type.String({ description: 'While watching: ISO time the health window ends' })),
  automatic: Type.Optional(Type.Boolean({ description: 'Applied by the update policy check, not by a person' })),
});
export type LastUpdate = Static<typeof LastUpdate>;

export const PendingUpdate = Type.Object({
  version: Type.String(),
  id: Type.String({ description: 'Catalog id of that version' }),
  added_permissions: Type.Array(Type.String(), {
    description:
      'Permission labels the version adds (as PERMISSIONS_CHANGED details.added); an update call with accept_permissions applies it',
  }),
});
export type PendingUpdate = Static<typeof PendingUpdate>;

/** What the backend keeps about a plugin's versions; in every plugin summary as `versions`. */
export const PluginVersionState = Type.Object({
  pinned: Type.Boolean({ description: 'Automatic updates leave it alone; explicit updates and rollbacks move it and the pin stays' }),
  update_policy: UpdatePolicy,
  last_update: Type.Optional(LastUpdate),
  pending_update: Type.Optional(PendingUpdate),
  cached_versions: Type.Array(Type.String(), {
    description: 'Versions whose packages are kept (installed first), for rollback and offline reinstall',
  }),
});
export type PluginVersionState = Static<typeof PluginVersionState>;

export const UpdatePolicyRequest = Type.Object({ update_policy: UpdatePolicy }, { additionalProperties: false });
export type UpdatePolicyRequest = Static<typeof UpdatePolicyRequest>;

/** Answer of pin, unpin and PUT update-policy. */
export const PluginVersionSettingsAnswer = Type.Object({ plugin_id: Type.String(), versions: PluginVersionState, message: Type.String() });
export type PluginVersionSettingsAnswer = Static<typeof PluginVersionSettingsAnswer>;

export const RollbackAnswer = Type.Object({
  status: Type.Literal('rolled_back'),
  plugin: Type.Object({ id: Type.String(), name: Type.String(), version: Type.String(), state: Type.String() }),
  from: Type.String(),
  to: Type.String(),
  message: Type.String(),
});
export type RollbackAnswer = Static<typeof RollbackAnswer>;

/** One plugin a dependency plan installs. */
export const PlannedInstall = Type.Object({
  name: Type.String(),
  version: Type.String(),
  id: Type.String({ description: 'Catalog id of the chosen version' }),
  permissions: Type.Object(PermissionSet.properties),
  required_by: Type.Array(Type.String(), { description: 'name@range of each constraint that asked for it' }),
});
export type PlannedInstall = Static<typeof PlannedInstall>;

/** `details` of 409 DEPENDENCIES_REQUIRED, and what an accepted install reports it installed. */
export const DependencyPlan = Type.Object({ install: Type.Array(PlannedInstall) });
export type DependencyPlan = Static<typeof DependencyPlan>;

/**
 * What the caller showed for consent. The store is another service and answers each fetch anew:
 * with `expect`, the install or update goes ahead only if the entry is this name and version (else
 * 502 BAD_STORE_ANSWER) and its package asks for no more than these permissions (else 409
 * PERMISSIONS_CHANGED), so a store cannot show one thing and hand over another.
 */
export const ExpectedVersion = Type.Object(
  {
    name: Type.String({ pattern: PLUGIN_NAME_PATTERN, maxLength: 64 }),
    version: Type.String({ minLength: 1, maxLength: 64 }),
    permissions: Type.Optional(PluginPermissions),
  },
  { additionalProperties: false },
);
export type ExpectedVersion = Static<typeof ExpectedVersion>;

/** Optional body of POST /store/{id}/install. */
export const InstallRequest = Type.Object(
  {
    accept_dependencies: Type.Optional(Type.Boolean({ description: 'Install the missing dependencies the plan names' })),
    expect: Type.Optional(ExpectedVersion),
  },
  { additionalProperties: false },
);
export type InstallRequest = Static<typeof InstallRequest>;

/** GET /store/{name}/versions: the store's history with what this dashboard has. */
export const StoreVersionView = Type.Object({
  ...StoreVersion.properties,
  installed: Type.Boolean({ description: 'The version installed now' }),
  cached: Type.Boolean({ description: 'Its package is kept here: installs and rollbacks work with the store down' }),
});
export type StoreVersionView = Static<typeof StoreVersionView>;

export const StoreVersionsListing = Type.Object({
  name: Type.String(),
  available: Type.Boolean({ description: 'false: the store did not answer; only the kept versions are listed' }),
  reason: Type.Optional(Type.String()),
  installed_version: Type.Union([Type.String(), Type.Null()]),
  versions: Type.Array(StoreVersionView),
});
export type StoreVersionsListing = Static<typeof StoreVersionsListing>;

/** GET /store/updates: installed plugins the store has a newer version of. */
export const AvailableUpdate = Type.Object({
  name: Type.String(),
  installed_version: Type.String(),
  version: Type.String({ description: 'Newest version in the store' }),
  id: Type.String({ description: 'Its catalog id' }),
  pinned: Type.Boolean(),
  update_policy: UpdatePolicy,
  added_permissions: Type.Array(Type.String()),
});
export type AvailableUpdate = Static<typeof AvailableUpdate>;

export const AvailableUpdates = Type.Object({
  available: Type.Boolean({ description: 'false: the store did not answer' }),
  updates: Type.Array(AvailableUpdate),
  reason: Type.Optional(Type.String()),
});
export type AvailableUpdates = Static<typeof AvailableUpdates>;

/** `?force=true` on uninstall, unload and disable: unload the dependents first instead of answering IN_USE. */
export const ForceQuery = Type.Object({ force: Type.Optional(Type.Boolean({ default: false })) });
export type ForceQuery = Static<typeof ForceQuery>;

export const UPDATE_CHECK_OUTCOMES = ['updated', 'pending', 'up_to_date', 'pinned', 'manual', 'skipped', 'failed'] as const;

/** What one round of the update policy check did with one installed external plugin. */
export const UpdateCheckResult = Type.Object({
  name: Type.String(),
  installed_version: Type.String({ description: 'Version installed when the round looked at it' }),
  outcome: Type.Enum(UPDATE_CHECK_OUTCOMES, {
    description:
      'updated: the update was applied (health-gated, see last_update); pending: it needs more permissions, now pending_update; ' +
      'up_to_date: the policy allows nothing newer; pinned, manual: left alone; skipped: the update was refused (code), retried next round, or the chosen version was rolled back before (code ROLLED_BACK, until a newer one comes); ' +
      'failed: another error (code, message)',
  }),
  version: Type.Optional(Type.String({ description: 'The version the policy chose' })),
  id: Type.Optional(Type.String({ description: 'Its catalog id' })),
  added_permissions: Type.Optional(Type.Array(Type.String(), { description: 'outcome pending: what the version adds' })),
  code: Type.Optional(Type.String({ description: 'Error code of a skipped or failed update' })),
  message: Type.Optional(Type.String()),
});
export type UpdateCheckResult = Static<typeof UpdateCheckResult>;

/** POST /store/updates/check: one round of the update policy check, run now. */
export const UpdateCheckAnswer = Type.Object({
  available: Type.Boolean({ description: 'false: the store did not answer and the round ended early' }),
  reason: Type.Optional(Type.String()),
  started_at: Type.String({ description: 'ISO time the round began' }),
  results: Type.Array(UpdateCheckResult),
});
export type UpdateCheckAnswer = Static<typeof UpdateCheckAnswer>;
