import { sameVersion } from '@oko/shared';
import { describe, expect, it } from 'vitest';
import { versionKey } from './version-key.js';

const versions = [
  '1.0.0',
  '1.0.0+build.1',
  '1.0.0+build.2',
  'v1.0.0',
  '=1.0.0',
  ' 1.0.0 ',
  '1.0.0-rc.1',
  '1.0.0-rc.1+b',
  '1.0.0-RC.1',
  '1.0.0-rc.01',
  '1.0',
  '1.0.0.0',
  'latest',
  '01.0.0',
  '1.0.1',
  '2.0.0-alpha',
];

describe('versionKey', () => {
  it('drops build metadata and normalizes valid semver, keeps any other string as it is', () => {
    expect(versionKey('1.0.0+build.7')).toBe('1.0.0');
    expect(versionKey('v2.3.4-beta.1+x')).toBe('2.3.4-beta.1');
    expect(versionKey('1.0')).toBe('1.0');
  });

  it('gives two versions one key exactly when sameVersion calls them one version', () => {
    for (const a of versions) {
      for (const b of versions) {
        expect(versionKey(a) === versionKey(b), `${JSON.stringify(a)} vs ${JSON.stringify(b)}`).toBe(sameVersion(a, b));
      }
    }
  });
});
