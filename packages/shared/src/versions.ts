import semver from 'semver';

/**
 * The plugin API this dashboard offers plugins (ctx, the page manifest, the bridge). One number:
 * manifest.json `engines.oko` and page_manifest.yaml `plugin_api_version` are both checked against
 * it, and GET /api/v1/info reports it. Raise the minor for additions, the major for breaks.
 */
export const PLUGIN_API_VERSION = '1.0.0';

/** A catalog id: 12 lowercase hex characters. A plugin name of this shape is refused (ids and names stay apart). */
export const CATALOG_ID_PATTERN = '^[0-9a-f]{12}$';
const catalogIdRe = new RegExp(CATALOG_ID_PATTERN);

export function hasCatalogIdShape(value: string): boolean {
  return catalogIdRe.test(value);
}

/** Why a semver range is unusable, or undefined when it is a valid range. */
export function rangeProblem(range: string): string | undefined {
  return semver.validRange(range) === null ? `'${range}' is not a semver range` : undefined;
}

/**
 * Why a plugin declaring `engines.oko` = `range` cannot run on this dashboard, or undefined when it
 * can (or declares nothing). Prereleases of the API count as their release.
 */
export function engineProblem(range: string | undefined, apiVersion = PLUGIN_API_VERSION): string | undefined {
  if (range === undefined) return undefined;
  if (semver.validRange(range) === null) return `engines.oko '${range}' is not a semver range`;
  if (semver.satisfies(apiVersion, range, { includePrerelease: true })) return undefined;
  return `needs OKO plugin API ${range}; this dashboard offers ${apiVersion}`;
}

/**
 * Why a page manifest written for `declared` (e.g. "1.0") cannot be rendered by this dashboard:
 * the same major is required, and a minor no newer than ours.
 */
export function pageApiProblem(declared: string | undefined, apiVersion = PLUGIN_API_VERSION): string | undefined {
  if (declared === undefined) return undefined;
  const wanted = semver.coerce(declared);
  const offered = semver.parse(apiVersion);
  if (!wanted || !offered) return `plugin_api_version '${declared}' is not a version`;
  if (wanted.major === offered.major && wanted.minor <= offered.minor) return undefined;
  return `written for plugin API ${declared}; this dashboard offers ${apiVersion}`;
}

/**
 * Whether `version` satisfies the semver `range` (false for an invalid either): prereleases only
 * when the range names one of the same major.minor.patch, semver's default. Dependencies use it.
 */
export function satisfiesRange(version: string, range: string): boolean {
  if (semver.valid(version) === null || semver.validRange(range) === null) return false;
  return semver.satisfies(version, range);
}

/** Semver order of two valid versions, newest first when used to sort (b before a when b is newer). */
export function newestFirst(a: string, b: string): number {
  return semver.rcompare(a, b);
}

/**
 * Whether two version strings are one version: equal text, or equal semver precedence (build
 * metadata ignored, `1.0.0+build.2` is 1.0.0). Versions are immutable by this rule, so one
 * version cannot be published twice with other content under another build suffix.
 */
export function sameVersion(a: string, b: string): boolean {
  return a === b || (semver.valid(a) !== null && semver.valid(b) !== null && semver.eq(a, b));
}
