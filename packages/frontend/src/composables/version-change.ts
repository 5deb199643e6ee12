import { ref } from 'vue';
import { normalizePermissions, type InstallAnswer, type PermissionSet, type UpdateAnswer } from '@oko/shared';
import { ApiError, messageOf } from '../api/client.js';
import { getPlugin } from '../api/plugins.js';
import { getStorePlugin } from '../api/store.js';
import { getStoreVersions } from '../api/versions.js';
import type { PermissionRequest } from '../lib/permission-lines.js';
import { catalogSignatureBadge } from '../lib/signature-badges.js';
import { moveTo, readPlan, versionsBetween } from '../lib/versions.js';
import { useAvailableUpdates } from './available-updates.js';
import { useInstalledPlugins } from './installed-plugins.js';
import { useStoreCatalog } from './store-catalog.js';
import { showToast } from './toasts.js';
import { useTrustedKeys } from './trusted-keys.js';
import { followUpdate, sayHowItEnded, watchingFor } from './update-watch.js';

// The one way a version of a plugin is installed or the installed plugin is moved to another
// version, from the store card, the version history, the Installed tab and the details page:
// ask (the dialog shows the permissions, what's new since the installed version, a downgrade
// warning), confirm, and when the backend answers DEPENDENCIES_REQUIRED, show its plan in the same
// dialog and go again with the user's consent. Nothing moves before the user said yes.

/** The version to install or move to. */
export interface VersionTarget {
  name: string;
  /** Catalog id of the version. */
  storeId: string;
  version: string;
  /** The version installed now, null when the plugin is not installed. */
  installedVersion: string | null;
  /** What the version asks for, when the caller has it (else read from the store). */
  requested?: PermissionSet | null;
  /** What people call the plugin (pluginDisplayName), for the dialog and toasts; the name when absent. */
  displayName?: string;
  /** An install that should end with the plugin running (the store's Install buttons): install, then load. */
  run?: boolean;
}

/** What people call the plugin: the caller's word, else the installed plugin's or the catalog card's display name, else its name. */
function shownName(version: VersionTarget): string {
  const named = (list: Array<{ name: string; display_name?: string }>) => list.find((p) => p.name === version.name)?.display_name;
  return version.displayName || named(useInstalledPlugins().plugins.value) || named(useStoreCatalog().plugins.value) || version.name;
}

/**
 * `settled` runs after every confirmed change, whether it worked or not (e.g. to re-read a history).
 * `inlineErrors`: the caller shows `error` next to the control, so no toast repeats it.
 */
export function useVersionChange(settled?: () => unknown, options: { inlineErrors?: boolean } = {}) {
  /** What the dialog shows; null keeps it closed. */
  const request = ref<PermissionRequest | null>(null);
  const preparing = ref(false);
  /** The last failure, in the backend's words. */
  const error = ref<string | null>(null);
  let target: VersionTarget | null = null;

  /**
   * What the version asks for, and its signature as this dashboard judges it: every dialog says
   * whether the package is signed, an update from a verified to an unsigned version included. With
   * the store down (a kept package) the entry cannot be read and the dialog shows no signature line.
   */
  async function describe(version: VersionTarget): Promise<Pick<PermissionRequest, 'requested' | 'signature'>> {
    const trust = useTrustedKeys();
    const [entry] = await Promise.all([getStorePlugin(version.storeId).catch(() => null), trust.refresh()]);
    const signature = entry ? catalogSignatureBadge(entry.signature, trust.keys.value) : undefined;
    if (version.requested) return { requested: version.requested, signature };
    if (!entry) throw new Error(`could not read ${version.name} v${version.version} from the store`);
    return { requested: normalizePermissions(entry.permissions ?? entry.manifest?.permissions), signature };
  }

  /** The changelogs between the installed version and the target; none when the history cannot be read. */
  async function changesTo(version: VersionTarget) {
    try {
      const listing = await getStoreVersions(version.name);
      return versionsBetween(listing.versions, version.installedVersion!, version.version);
    } catch {
      return [];
    }
  }

  /** Opens the dialog for `version` (reads what it needs first). */
  async function ask(version: VersionTarget): Promise<void> {
    error.value = null;
    preparing.value = true;
    target = version;
    try {
      const move = moveTo(version.version, version.installedVersion);
      const shown: PermissionRequest = {
        mode: move === 'install' ? 'install' : 'update',
        name: version.name,
        displayName: shownName(version),
        version: version.version,
        ...(await describe(version)),
      };
      if (shown.mode === 'update') {
        const [details, changes] = await Promise.all([getPlugin(version.name), move === 'update' ? changesTo(version) : []]);
        shown.granted = details.permissions?.granted ?? normalizePermissions(undefined);
        shown.from = version.installedVersion ?? undefined;
        shown.downgrade = move === 'downgrade';
        // A downgrade brings nothing new: the dialog says it is one instead.
        if (move === 'update') shown.changes = changes;
      }
      request.value = shown;
    } catch (cause) {
      error.value = messageOf(cause);
      if (!options.inlineErrors) showToast(error.value, 'error');
    } finally {
      preparing.value = false;
    }
  }

  function close() {
    request.value = null;
  }

  async function confirm(): Promise<void> {
    const shown = request.value;
    const version = target;
    if (!shown || !version) return;
    request.value = null;
    error.value = null;
    // Confirming a dialog that showed the plan is the consent to install it.
    const acceptDependencies = !!shown.plan?.length;
    // Exactly what the dialog showed: the backend refuses a store that hands over anything else.
    const expect = { name: shown.name, version: shown.version, permissions: shown.requested };
    const { install, installAndRun, update } = useStoreCatalog();
    try {
      if (shown.mode === 'install' && version.run) {
        const done = await installAndRun(version.name, version.storeId, {
          expect,
          ...(acceptDependencies ? { accept_dependencies: true } : {}),
        });
        if (done.startError === null) {
          showToast(`${shownName(version)} is installed and running${alsoInstalled(done.answer)}`, 'success');
        } else {
          // Installed all the same: the message says so, and what stopped it from starting.
          error.value = `${shownName(version)} is installed but did not start: ${done.startError}`;
          if (!options.inlineErrors) showToast(error.value, 'error');
        }
      } else if (shown.mode === 'install') {
        reportInstall(
          version,
          await install(version.name, version.storeId, { expect, ...(acceptDependencies ? { accept_dependencies: true } : {}) }),
        );
      } else {
        const answer = await update(version.name, version.storeId, {
          expect,
          accept_permissions: true,
          ...(shown.downgrade ? { allow_downgrade: true } : {}),
          ...(acceptDependencies ? { accept_dependencies: true } : {}),
        });
        reportUpdate(version, answer, !!shown.downgrade);
      }
    } catch (cause) {
      const plan = cause instanceof ApiError && cause.code === 'DEPENDENCIES_REQUIRED' ? readPlan(cause.details) : null;
      if (plan && !acceptDependencies) {
        request.value = { ...shown, plan };
        return;
      }
      error.value = messageOf(cause);
      const what = shown.mode === 'install' ? 'Install' : shown.downgrade ? 'Switch' : 'Update';
      if (!options.inlineErrors) showToast(`${what} of ${shownName(version)} failed: ${error.value}`, 'error');
    }
    await settled?.();
  }

  return { request, preparing, error, ask, confirm, close };
}

const alsoInstalled = (answer: InstallAnswer | UpdateAnswer) =>
  answer.dependencies_installed?.length
    ? ` (also installed: ${answer.dependencies_installed.map((p) => `${p.name} ${p.version}`).join(', ')})`
    : '';

function reportInstall(version: VersionTarget, answer: InstallAnswer) {
  // Which version went in matters now that older ones can be installed: said when the message does not.
  const installed = answer.plugin?.version;
  const said =
    answer.message && (!installed || answer.message.includes(installed))
      ? answer.message
      : `${shownName(version)}${installed ? ` v${installed}` : ''} installed`;
  showToast(`${said}${alsoInstalled(answer)}`, 'success');
}

function reportUpdate(version: VersionTarget, answer: UpdateAnswer, downgrade: boolean) {
  const last = answer.last_update;
  // A move to an older version is a switch back, not an "update", in every word the user reads.
  const verb = downgrade ? 'Switched' : 'Updated';
  if (last?.result === 'watching') {
    showToast(`${verb} ${shownName(version)} to v${last.to}: ${watchingFor(answer.message, last)}${alsoInstalled(answer)}`, 'info');
    followUpdate(answer.plugin.id, shownName(version), last.to, () => {
      useAvailableUpdates().invalidate();
      void useInstalledPlugins().refresh();
    });
  } else if (last?.result === 'rolled_back') {
    sayHowItEnded(shownName(version), last);
  } else {
    // A new version that was active and failed to load is installed but in error: not a success toast.
    const said = downgrade
      ? `${shownName(version)} switched back to v${answer.plugin.version}`
      : answer.message || `${shownName(version)} updated`;
    showToast(`${said}${alsoInstalled(answer)}`, answer.plugin.state === 'error' ? 'error' : 'success');
  }
}
