import type { UpdatePolicy } from '@oko/shared';
import semver from 'semver';

/**
 * Which version an automatic update applies (README "Pins and update policies"). Pure: the policy
 * check and GET /store/updates both ask it, and its property tests hold it to these rules:
 * - a pinned plugin and the `manual` policy never move;
 * - `patch` stays within the installed major.minor, `minor` within the major, `major` takes any newer;
 * - never an older or equal version, and the newest that is allowed;
 * - a prerelease only when the installed version is a prerelease, and then only of the installed
 *   version's own major.minor.patch (semver's default range rule: `^1.2.0-beta.1` admits
 *   1.2.0-beta.2 but not 1.3.0-beta.1), so a beta tester reaches the release and then stays on releases.
 * Versions that are not valid semver are ignored; an installed version that is not valid semver
 * (a hand-edited manifest) is never moved automatically, since no bound can be drawn from it.
 */
export interface SelectionInput {
  installed: string;
  pinned: boolean;
  policy: UpdatePolicy;
  /** The store's versions, any order; repeats and invalid ones are ignored. */
  versions: readonly string[];
}

/** The newest version `policy` allows from `installed`, or undefined when none does. */
export function chooseAutomaticUpdate(input: SelectionInput): string | undefined {
  if (input.pinned || input.policy === 'manual') return undefined;
  return newestAllowed(input.installed, input.policy, input.versions);
}

/** The newest version newer than `installed` that `policy` allows (pins aside). */
export function newestAllowed(installed: string, policy: Exclude<UpdatePolicy, 'manual'>, versions: readonly string[]): string | undefined {
  const from = semver.parse(installed);
  if (!from) return undefined;
  let best: { parsed: semver.SemVer; text: string } | undefined;
  for (const text of versions) {
    const parsed = semver.parse(text);
    if (!parsed || !isAllowed(from, parsed, policy)) continue;
    // The store's own spelling is returned, so the caller finds the catalog id it belongs to.
    if (!best || semver.gt(parsed, best.parsed)) best = { parsed, text };
  }
  return best?.text;
}

/** Newest version the store offers over `installed`, with the same prerelease rule (for the update count). */
export function newestAvailable(installed: string, versions: readonly string[]): string | undefined {
  return newestAllowed(installed, 'major', versions);
}

function isAllowed(from: semver.SemVer, to: semver.SemVer, policy: Exclude<UpdatePolicy, 'manual'>): boolean {
  if (!semver.gt(to, from)) return false;
  if (to.prerelease.length > 0) {
    if (from.prerelease.length === 0) return false;
    if (to.major !== from.major || to.minor !== from.minor || to.patch !== from.patch) return false;
  }
  if (policy === 'major') return true;
  if (to.major !== from.major) return false;
  return policy === 'minor' || to.minor === from.minor;
}
