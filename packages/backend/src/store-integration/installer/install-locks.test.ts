import { describe, expect, it } from 'vitest';
import { InstallLocks } from './install-locks.js';

describe('InstallLocks', () => {
  it('refuses a second claim on a held key with INSTALL_IN_PROGRESS 409', () => {
    const locks = new InstallLocks();
    locks.claim(['name:a'], 'a');
    expect(() => locks.claim(['id:x', 'name:a'], 'a')).toThrowError(
      expect.objectContaining({ code: 'INSTALL_IN_PROGRESS', statusCode: 409 }),
    );
    // All or nothing: the refused claim did not keep id:x.
    expect(locks.isHeld('id:x')).toBe(false);
  });

  it('frees every key on release, once', () => {
    const locks = new InstallLocks();
    const release = locks.claim(['id:x', 'name:a'], 'a');
    release();
    const again = locks.claim(['name:a'], 'a');
    release();
    expect(locks.isHeld('name:a')).toBe(true);
    again();
    expect(locks.isHeld('name:a')).toBe(false);
  });
});
