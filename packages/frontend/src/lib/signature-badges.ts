import type { CatalogSignature, InstalledSignature, SignaturePolicy, SignatureState, TrustedKey } from '@oko/shared';

// What a signature badge says. Trust is this dashboard's: a badge names a trusted key by the name
// the admin gave it, never by the `signer` a package declares about itself (anyone can write any
// name there), which is shown only as "self-declared".

/** verified: signed by a trusted key; warning: nobody this dashboard trusts vouches for it; error: broken or changed. */
export type SignatureTone = 'verified' | 'warning' | 'error';

export interface SignatureBadge {
  /** The signature state (for a catalog entry, as the dashboard would judge it); `unchecked` while the trusted keys are unknown. */
  state: SignatureState | 'unchecked';
  tone: SignatureTone;
  /** The badge's own words; its meaning never rests on colour alone. */
  label: string;
  /** A sentence saying why, for the tooltip, screen readers and the install dialog. */
  detail: string;
}

const UNSIGNED: SignatureBadge = {
  state: 'unsigned',
  tone: 'warning',
  label: 'Unsigned',
  detail: 'Not signed: nothing shows who made this plugin or that its files are the ones its author published.',
};

const selfDeclared = (signer: string | undefined, keyId: string | undefined) =>
  `The package says it was signed by “${signer ?? 'unknown'}” (self-declared) with key ${keyId ?? 'unknown'}.`;

/**
 * The badge of a store catalog entry. The store only checks that a signature matches its package;
 * whether its key is trusted is decided here, by key id, against this dashboard's trusted keys
 * (`null` while they could not be read).
 */
export function catalogSignatureBadge(signature: CatalogSignature | undefined, keys: readonly TrustedKey[] | null): SignatureBadge {
  if (!signature) return UNSIGNED;
  const trusted = keys?.find((key) => key.key_id === signature.key_id);
  if (trusted) {
    return {
      state: 'valid',
      tone: 'verified',
      label: `Verified: ${trusted.name}`,
      detail: `Signed with the trusted key “${trusted.name}” (${trusted.key_id}).`,
    };
  }
  if (!keys) {
    return {
      state: 'unchecked',
      tone: 'warning',
      label: 'Signed, trust unknown',
      detail: `Could not read this dashboard's trusted keys. ${selfDeclared(signature.signer, signature.key_id)}`,
    };
  }
  return {
    state: 'untrusted',
    tone: 'warning',
    label: 'Signed, not trusted',
    detail: `Signed with a key this dashboard does not trust. ${selfDeclared(signature.signer, signature.key_id)}`,
  };
}

/** The badge of an installed plugin, from the state the backend judged; null when the backend sends none. */
export function installedSignatureBadge(signature: InstalledSignature | undefined): SignatureBadge | null {
  if (!signature) return null;
  switch (signature.state) {
    case 'valid': {
      const name = signature.key_name ?? signature.key_id ?? 'a trusted key';
      const id = signature.key_id && signature.key_name ? ` (${signature.key_id})` : '';
      return { state: 'valid', tone: 'verified', label: `Verified: ${name}`, detail: `Signed with the trusted key “${name}”${id}.` };
    }
    case 'untrusted':
      return {
        state: 'untrusted',
        tone: 'warning',
        label: 'Signed, not trusted',
        detail: `Signed with a key this dashboard does not trust. ${selfDeclared(signature.signer, signature.key_id)}`,
      };
    case 'unsigned':
      return UNSIGNED;
    case 'invalid':
      return {
        state: 'invalid',
        tone: 'error',
        label: 'Invalid signature',
        detail: signature.reason ?? 'The signature does not check out.',
      };
    case 'modified':
      return {
        state: 'modified',
        tone: 'error',
        label: 'Modified',
        detail: signature.reason ?? 'Its files changed since they were signed or installed.',
      };
    default:
      // A state a newer backend knows and this UI does not: no badge rather than a wrong one.
      return null;
  }
}

export const POLICY_MEANING: Record<SignaturePolicy, string> = {
  warn: 'Unsigned plugins and plugins signed by keys not trusted here install and load, with a warning. Invalid or modified plugins never load.',
  require:
    'Only plugins signed by a trusted key install and load; anything else is refused. Builtin plugins are exempt, and so are development plugins while they are allowed. Invalid or modified plugins never load.',
  off: 'Signatures do not decide what installs: unsigned and untrusted plugins install without being refused. Invalid or modified plugins still never load.',
};

export interface InstallWarning {
  tone: 'warning' | 'error';
  text: string;
}

/** What the install dialog says about a catalog entry's signature before anything is installed; null when it is verified. */
export function installWarning(badge: SignatureBadge, policy: SignaturePolicy | null): InstallWarning | null {
  if (badge.tone === 'verified') return null;
  if (policy === 'require') {
    return {
      tone: 'error',
      text: `${badge.detail} This dashboard requires a trusted signature (policy “require”): the install will be refused.`,
    };
  }
  const advice = 'Install it only if you trust where it came from.';
  return { tone: 'warning', text: `${badge.detail} ${advice}` };
}
