import type { DependencyPlan, PlannedInstall, StoreVersionView, UpdatePolicy } from '@oko/shared';
import { describePermission, permissionLabels } from '@oko/shared';

// Pure helpers of the versions UI: ordering, "what's new since your version", the dependency plan
// in words and the update policies' explanations. The backend decides; these only describe.

const PARTS = /^v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+.*)?$/;

/** Semver order (negative when a is older); versions that do not parse sort as equal. */
export function compareVersions(a: string, b: string): number {
  const x = PARTS.exec(a);
  const y = PARTS.exec(b);
  if (!x || !y) return 0;
  for (let i = 1; i <= 3; i++) {
    const diff = Number(x[i]) - Number(y[i]);
    if (diff !== 0) return diff;
  }
  // A release is newer than its prereleases; prereleases compare part by part.
  if (!x[4] || !y[4]) return (x[4] ? -1 : 0) + (y[4] ? 1 : 0);
  const xs = x[4].split('.');
  const ys = y[4].split('.');
  for (let i = 0; i < Math.max(xs.length, ys.length); i++) {
    const [p, q] = [xs[i], ys[i]];
    if (p === undefined) return -1;
    if (q === undefined) return 1;
    const numeric = /^\d+$/.test(p) && /^\d+$/.test(q);
    const diff = numeric ? Number(p) - Number(q) : p.localeCompare(q);
    if (diff !== 0) return diff;
  }
  return 0;
}

/** The versions newer than `installed` up to and including `target`, newest first: what an update brings. */
export function versionsBetween<T extends { version: string }>(versions: T[], installed: string, target: string): T[] {
  return versions
    .filter((entry) => compareVersions(entry.version, installed) > 0 && compareVersions(entry.version, target) <= 0)
    .sort((a, b) => compareVersions(b.version, a.version));
}

/** How a version relates to the installed one: what its button does. */
export type VersionMove = 'install' | 'current' | 'update' | 'downgrade';
export function moveTo(version: string, installed: string | null): VersionMove {
  if (installed === null) return 'install';
  const order = compareVersions(version, installed);
  return order === 0 ? 'current' : order > 0 ? 'update' : 'downgrade';
}

/**
 * The version a rollback returns to, as the backend picks it: the one installed before the latest
 * install of the installed version (cached_versions is latest install first); when the installed
 * version is not kept, the latest kept other one.
 */
export function rollbackTarget(cached: string[], installed: string): string | null {
  const index = cached.indexOf(installed);
  const earlier = index === -1 ? cached.filter((version) => version !== installed) : cached.slice(index + 1);
  return earlier[0] ?? null;
}

export function formatSize(bytes: number | undefined): string {
  if (bytes === undefined) return '';
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

export function formatDate(iso: string | undefined): string {
  if (!iso) return '';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
}

/** One planned dependency in words: "chart_lib 1.3.0 (permissions: …), required by x ^1.2.0". */
export function planLine(item: PlannedInstall): string {
  const permissions = permissionLabels(item.permissions).map(describePermission);
  const asks = permissions.length ? `permissions: ${permissions.join('; ')}` : 'no special permissions';
  const by = item.required_by.length ? `, required by ${item.required_by.map((r) => r.replace('@', ' ')).join(', ')}` : '';
  return `${item.name} ${item.version} (${asks})${by}`;
}

/** The plan in DEPENDENCIES_REQUIRED's details, or null when the details are not one. */
export function readPlan(details: unknown): PlannedInstall[] | null {
  const install = (details as Partial<DependencyPlan> | null | undefined)?.install;
  return Array.isArray(install) ? install : null;
}

export const POLICY_LABELS: Record<UpdatePolicy, { label: string; help: string }> = {
  manual: { label: 'Manual', help: 'Never updated automatically: you choose when.' },
  patch: { label: 'Patch releases', help: 'Fixes within the installed minor version (1.2.x) are applied on their own.' },
  minor: { label: 'Minor releases', help: 'New features within the installed major version (1.x) are applied on their own.' },
  major: { label: 'Major releases', help: 'Every newer release is applied on its own, even ones that may break things.' },
};

/**
 * A policy's explanation with the installed version's own numbers ("within 1.0.x" for 1.0.3), so
 * nobody has to map an example onto their plugin; the generic text when the version does not parse.
 */
export function policyHelp(policy: UpdatePolicy, installed: string): string {
  const parts = PARTS.exec(installed);
  if (!parts) return POLICY_LABELS[policy].help;
  const [, major, minor] = parts;
  if (policy === 'patch') return `Fixes within ${major}.${minor}.x are applied on their own.`;
  if (policy === 'minor') return `New features and fixes within ${major}.x are applied on their own.`;
  return POLICY_LABELS[policy].help;
}

/** The newest version of a listing (it is newest first). */
export const newest = (versions: StoreVersionView[]): StoreVersionView | undefined => versions[0];
