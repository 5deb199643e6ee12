import type { TrustedKey } from '@oko/shared';
import { describe, expect, it } from 'vitest';
import { catalogSignatureBadge, installWarning, installedSignatureBadge } from './signature-badges.js';

const ACME: TrustedKey = { key_id: 'a1b2c3d4e5f60718', name: 'acme-release', source: 'settings', public_key: 'PEM' };

describe('catalogSignatureBadge', () => {
  it('a key id among the trusted keys is verified, named by the trusted key, never by the self-declared signer', () => {
    const badge = catalogSignatureBadge({ key_id: ACME.key_id, signer: 'Totally Official Inc' }, [ACME]);
    expect(badge).toMatchObject({ state: 'valid', tone: 'verified', label: 'Verified: acme-release' });
    expect(badge.label + badge.detail).not.toContain('Totally Official');
  });

  it('a signer name that matches a trusted key name is not trust: only the key id counts', () => {
    const badge = catalogSignatureBadge({ key_id: 'ffffffffffffffff', signer: 'acme-release' }, [ACME]);
    expect(badge).toMatchObject({ state: 'untrusted', tone: 'warning', label: 'Signed, not trusted' });
    expect(badge.detail).toContain('“acme-release” (self-declared)');
    expect(badge.detail).toContain('ffffffffffffffff');
  });

  it('no signature (null from the store, or no field from an older one) is unsigned', () => {
    expect(catalogSignatureBadge(null, [ACME])).toMatchObject({ state: 'unsigned', tone: 'warning', label: 'Unsigned' });
    expect(catalogSignatureBadge(undefined, [ACME]).state).toBe('unsigned');
  });

  it('while the trusted keys cannot be read, a signed entry says trust is unknown', () => {
    expect(catalogSignatureBadge({ key_id: ACME.key_id, signer: 'x' }, null)).toMatchObject({
      state: 'unchecked',
      label: 'Signed, trust unknown',
    });
  });
});

describe('installedSignatureBadge', () => {
  it('valid shows the trusted key name, not the package signer', () => {
    const badge = installedSignatureBadge({ state: 'valid', key_name: 'acme-release', key_id: ACME.key_id, signer: 'Somebody' });
    expect(badge).toMatchObject({ tone: 'verified', label: 'Verified: acme-release' });
    expect(badge!.label + badge!.detail).not.toContain('Somebody');
  });

  it('untrusted and unsigned are warnings; untrusted names the signer only as self-declared', () => {
    const untrusted = installedSignatureBadge({ state: 'untrusted', key_id: 'ffffffffffffffff', signer: 'Mallory' });
    expect(untrusted).toMatchObject({ tone: 'warning', label: 'Signed, not trusted' });
    expect(untrusted!.detail).toContain('“Mallory” (self-declared)');
    expect(installedSignatureBadge({ state: 'unsigned' })).toMatchObject({ tone: 'warning', label: 'Unsigned' });
  });

  it('invalid and modified are errors that carry the backend reason', () => {
    expect(installedSignatureBadge({ state: 'modified', reason: 'modified since install: index.js' })).toMatchObject({
      tone: 'error',
      label: 'Modified',
      detail: 'modified since install: index.js',
    });
    expect(installedSignatureBadge({ state: 'invalid', reason: 'signature names plugin other' })).toMatchObject({
      tone: 'error',
      label: 'Invalid signature',
      detail: 'signature names plugin other',
    });
  });

  it('no signature from the backend, or a state this UI does not know, shows no badge', () => {
    expect(installedSignatureBadge(undefined)).toBeNull();
    expect(installedSignatureBadge({ state: 'someday' as never })).toBeNull();
  });
});

describe('installWarning', () => {
  const unsigned = catalogSignatureBadge(null, []);
  const untrusted = catalogSignatureBadge({ key_id: 'ffffffffffffffff', signer: 'Mallory' }, []);
  const verified = catalogSignatureBadge({ key_id: ACME.key_id, signer: 'x' }, [ACME]);

  it('warns before installing unsigned or untrusted packages under warn', () => {
    expect(installWarning(unsigned, 'warn')).toMatchObject({ tone: 'warning', text: expect.stringContaining('Not signed') });
    expect(installWarning(untrusted, 'warn')).toMatchObject({ tone: 'warning', text: expect.stringContaining('does not trust') });
  });

  it('says the install will be refused under require for anything not verified', () => {
    for (const badge of [unsigned, untrusted]) {
      expect(installWarning(badge, 'require')).toMatchObject({ tone: 'error', text: expect.stringContaining('will be refused') });
    }
  });

  it('says nothing for a verified package', () => {
    expect(installWarning(verified, 'require')).toBeNull();
    expect(installWarning(verified, 'warn')).toBeNull();
  });
});
