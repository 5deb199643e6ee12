import semver from 'semver';

/**
 * The one spelling of a version that catalog_records' UNIQUE (name, version_key) and the
 * tombstones compare: the normalized semver without build metadata when `version` is valid semver
 * (`1.0.0+build.2` and `v1.0.0` are `1.0.0`), else the string itself. Two versions have one key
 * exactly when @oko/shared's sameVersion says they are one version, so the database refuses what
 * the embedded catalog refuses.
 */
export function versionKey(version: string): string {
  return semver.valid(version) ?? version;
}
