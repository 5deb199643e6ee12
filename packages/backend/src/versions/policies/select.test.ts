import { UPDATE_POLICIES, type UpdatePolicy } from '@oko/shared';
import fc from 'fast-check';
import semver from 'semver';
import { describe, expect, it } from 'vitest';
import { chooseAutomaticUpdate, newestAvailable } from './select.js';

// Property tests of the policy check's choice over randomized version histories (README "Pins and
// update policies"). Small number ranges make equal majors, minors and prerelease lines common.

const part = fc.integer({ min: 0, max: 3 });
const prerelease = fc.option(
  fc.tuple(fc.constantFrom('alpha', 'beta', 'rc'), fc.integer({ min: 0, max: 3 })).map(([tag, n]) => `${tag}.${n}`),
  { nil: undefined, freq: 3 },
);
const version = fc
  .tuple(part, part, part, prerelease)
  .map(([major, minor, patch, pre]) => `${major}.${minor}.${patch}${pre === undefined ? '' : `-${pre}`}`);
const history = fc.array(version, { maxLength: 25 });
const policy = fc.constantFrom<UpdatePolicy>(...UPDATE_POLICIES);
const input = fc.record({ installed: version, pinned: fc.boolean(), policy, versions: history });

/**
 * An independent statement of what a policy allows, in semver ranges: without includePrerelease a
 * range admits a prerelease only on a comparator's own major.minor.patch, which is the installed
 * version's when it is a prerelease, and nobody's when it is not.
 */
function oracleRange(installed: string, chosenPolicy: UpdatePolicy): string | undefined {
  const v = semver.parse(installed)!;
  if (chosenPolicy === 'manual') return undefined;
  if (chosenPolicy === 'patch') return `>${installed} <${v.major}.${v.minor + 1}.0`;
  if (chosenPolicy === 'minor') return `>${installed} <${v.major + 1}.0.0`;
  return `>${installed}`;
}

const runs = { numRuns: 2000 };

describe('chooseAutomaticUpdate (property tests)', () => {
  it('a pinned plugin never moves, whatever its policy and the history', () => {
    fc.assert(
      fc.property(input, (i) => chooseAutomaticUpdate({ ...i, pinned: true }) === undefined),
      runs,
    );
  });

  it('manual never moves', () => {
    fc.assert(
      fc.property(input, (i) => chooseAutomaticUpdate({ ...i, policy: 'manual' }) === undefined),
      runs,
    );
  });

  it('never an older or equal version, and a policy never crosses its bound', () => {
    fc.assert(
      fc.property(input, (i) => {
        const chosen = chooseAutomaticUpdate(i);
        if (chosen === undefined) return true;
        const from = semver.parse(i.installed)!;
        const to = semver.parse(chosen)!;
        expect(semver.gt(to, from)).toBe(true);
        expect(i.versions).toContain(chosen);
        if (i.policy === 'patch') expect([to.major, to.minor]).toEqual([from.major, from.minor]);
        if (i.policy === 'minor') expect(to.major).toBe(from.major);
        return true;
      }),
      runs,
    );
  });

  it('no prerelease unless the installed version is one, and then only of its own major.minor.patch', () => {
    fc.assert(
      fc.property(input, (i) => {
        const chosen = chooseAutomaticUpdate(i);
        if (chosen === undefined || semver.prerelease(chosen) === null) return true;
        const from = semver.parse(i.installed)!;
        const to = semver.parse(chosen)!;
        expect(from.prerelease.length).toBeGreaterThan(0);
        expect([to.major, to.minor, to.patch]).toEqual([from.major, from.minor, from.patch]);
        return true;
      }),
      runs,
    );
  });

  it('the choice is the newest version the policy allows (and there is one whenever anything is allowed)', () => {
    fc.assert(
      fc.property(input, (i) => {
        const range = oracleRange(i.installed, i.policy);
        const allowed = i.pinned || range === undefined ? [] : i.versions.filter((v) => semver.satisfies(v, range));
        const newest = allowed.length === 0 ? undefined : semver.rsort([...allowed])[0];
        expect(chooseAutomaticUpdate(i)).toBe(newest);
        return true;
      }),
      runs,
    );
  });

  it('the update count offers the newest version under the same prerelease rule', () => {
    fc.assert(
      fc.property(version, history, (installed, versions) => {
        const allowed = versions.filter((v) => semver.satisfies(v, `>${installed}`));
        expect(newestAvailable(installed, versions)).toBe(allowed.length === 0 ? undefined : semver.rsort([...allowed])[0]);
        return true;
      }),
      runs,
    );
  });
});

describe('chooseAutomaticUpdate (examples)', () => {
  const versions = ['1.2.3', '1.2.4', '1.3.0', '1.4.0-beta.1', '2.0.0', '2.1.0-rc.1'];
  it.each([
    ['patch', '1.2.4'],
    ['minor', '1.3.0'],
    ['major', '2.0.0'],
    ['manual', undefined],
  ] as const)('from 1.2.3 with %s: %s', (chosenPolicy, expected) => {
    expect(chooseAutomaticUpdate({ installed: '1.2.3', pinned: false, policy: chosenPolicy, versions })).toBe(expected);
  });

  it('a prerelease moves along its own line and on to the release, not to a later line’s prerelease', () => {
    const history = ['1.4.0-beta.1', '1.4.0-beta.2', '1.4.0', '1.4.1', '1.5.0-alpha.1'];
    expect(chooseAutomaticUpdate({ installed: '1.4.0-beta.1', pinned: false, policy: 'minor', versions: history })).toBe('1.4.1');
    expect(chooseAutomaticUpdate({ installed: '1.4.0-beta.1', pinned: false, policy: 'minor', versions: history.slice(0, 2) })).toBe(
      '1.4.0-beta.2',
    );
  });

  it('leaves a version that is not semver where it is, and ignores such versions in the store', () => {
    expect(chooseAutomaticUpdate({ installed: 'latest', pinned: false, policy: 'major', versions: ['9.9.9'] })).toBeUndefined();
    expect(chooseAutomaticUpdate({ installed: '1.0.0', pinned: false, policy: 'major', versions: ['nope', '1.0.1'] })).toBe('1.0.1');
  });
});
