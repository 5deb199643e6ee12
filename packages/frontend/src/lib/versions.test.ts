import { describe, expect, it } from 'vitest';
import {
  compareVersions,
  formatSize,
  moveTo,
  planLine,
  POLICY_LABELS,
  policyHelp,
  readPlan,
  rollbackTarget,
  versionsBetween,
} from './versions.js';

const NONE = { network: [], listen: false, env: [], read: [] };

describe('compareVersions', () => {
  it('orders by semver, numbers as numbers, a release after its prereleases', () => {
    const sorted = ['1.10.0', '1.2.0', '2.0.0-rc.1', '1.2.0-beta.2', '2.0.0', '1.2.0-beta.10', '0.9.9'].sort(compareVersions);
    expect(sorted).toEqual(['0.9.9', '1.2.0-beta.2', '1.2.0-beta.10', '1.2.0', '1.10.0', '2.0.0-rc.1', '2.0.0']);
  });
});

describe('versionsBetween', () => {
  const versions = ['1.0.0', '1.1.0', '1.2.0', '2.0.0'].map((version) => ({ version }));
  it('lists what an update brings: newer than the installed one, up to the target, newest first', () => {
    expect(versionsBetween(versions, '1.0.0', '1.2.0').map((v) => v.version)).toEqual(['1.2.0', '1.1.0']);
    expect(versionsBetween(versions, '1.0.0', '2.0.0').map((v) => v.version)).toEqual(['2.0.0', '1.2.0', '1.1.0']);
    expect(versionsBetween(versions, '2.0.0', '2.0.0')).toEqual([]);
  });
});

describe('moveTo and rollbackTarget', () => {
  it('names what a version button does', () => {
    expect(moveTo('1.0.0', null)).toBe('install');
    expect(moveTo('1.0.0', '1.0.0')).toBe('current');
    expect(moveTo('1.1.0', '1.0.0')).toBe('update');
    expect(moveTo('0.9.0', '1.0.0')).toBe('downgrade');
  });
  it('rolls back to the newest kept version other than the installed one, or nowhere', () => {
    expect(rollbackTarget(['2.0.0', '1.0.0', '0.9.0'], '2.0.0')).toBe('1.0.0');
    // Rolled back from 2.0.0 to 1.0.0 without a new install of 1.0.0: nothing was installed before that 1.0.0.
    expect(rollbackTarget(['2.0.0', '1.0.0'], '1.0.0')).toBeNull();
    // Not kept (installed by hand): the latest kept one.
    expect(rollbackTarget(['2.0.0', '1.0.0'], '3.0.0')).toBe('2.0.0');
    expect(rollbackTarget(['2.0.0'], '2.0.0')).toBeNull();
    expect(rollbackTarget([], '2.0.0')).toBeNull();
  });
});

describe('the dependency plan in words', () => {
  it('names the version, its permissions and who asked for it', () => {
    const item = {
      name: 'chart_lib',
      version: '1.3.0',
      id: 'a1b2c3d4e5f6',
      permissions: { ...NONE, network: ['api.example.com:443'] },
      required_by: ['board@^1.2.0'],
    };
    expect(planLine(item)).toBe('chart_lib 1.3.0 (permissions: Connect to api.example.com:443), required by board ^1.2.0');
    expect(planLine({ ...item, permissions: NONE, required_by: [] })).toBe('chart_lib 1.3.0 (no special permissions)');
  });
  it('reads the plan only from details shaped like one', () => {
    expect(readPlan({ install: [] })).toEqual([]);
    expect(readPlan(undefined)).toBeNull();
    expect(readPlan({ install: 'x' })).toBeNull();
  });
  it('sizes in bytes, KB and MB', () => {
    expect([formatSize(512), formatSize(2048), formatSize(3 * 1024 * 1024)]).toEqual(['512 B', '2.0 KB', '3.0 MB']);
  });
  it("explains a policy with the installed version's own numbers", () => {
    expect(policyHelp('patch', '1.0.3')).toBe('Fixes within 1.0.x are applied on their own.');
    expect(policyHelp('minor', '2.4.0-beta.1')).toBe('New features and fixes within 2.x are applied on their own.');
    expect(policyHelp('patch', 'not-a-version')).toBe(POLICY_LABELS.patch.help);
  });
});
