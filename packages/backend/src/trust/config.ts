import path from 'node:path';
import { SIGNATURE_POLICIES, type SignaturePolicy } from '@oko/shared';
import { Type, type Static } from 'typebox';

/** The trust settings, read once at startup (README "Signatures and trust"). */
export interface TrustConfig {
  /** OKO_TRUSTED_KEYS: a folder of `*.pem` Ed25519 public keys; null when unset. */
  trustedKeysDir: string | null;
  /** OKO_SIGNATURE_POLICY: what an install or a load accepts besides `valid`. */
  signaturePolicy: SignaturePolicy;
}

/** The variables behind TrustConfig; the backend's own schema includes them. */
export const TrustEnv = Type.Object({
  OKO_TRUSTED_KEYS: Type.Optional(
    Type.String({ description: 'folder of *.pem Ed25519 public keys (SPKI) this dashboard trusts; the file name is the key name' }),
  ),
  OKO_SIGNATURE_POLICY: Type.Enum(SIGNATURE_POLICIES, {
    default: 'warn',
    description: 'warn: unsigned and untrusted plugins run with a warning; require: only valid ones; off',
  }),
});

export function trustConfig(vars: Static<typeof TrustEnv>): TrustConfig {
  const dir = vars.OKO_TRUSTED_KEYS?.trim();
  return { trustedKeysDir: dir ? path.resolve(dir) : null, signaturePolicy: vars.OKO_SIGNATURE_POLICY };
}
