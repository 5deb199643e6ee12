import { Type, type Static } from 'typebox';

/*
 * Plugin signatures (docs/architecture.md#signatures): the author signs the package's file list
 * with an Ed25519 key; the store checks the signature matches the files; each dashboard decides
 * which keys it trusts. Schemas only here (the browser imports this entry); signing, hashing and
 * verifying live in the Node-only entry.
 */

export const SIGNATURE_FILE = 'oko-signature.json';
export const SIGNATURE_FORMAT = 1;
/** First 16 hex characters of the SHA-256 of the raw 32-byte Ed25519 public key. */
export const KEY_ID_PATTERN = '^[0-9a-f]{16}$';

/** `oko-signature.json` at the plugin root. `signature` covers the JCS (RFC 8785) form of every other field. */
export const PluginSignatureFile = Type.Object(
  {
    format: Type.Literal(SIGNATURE_FORMAT),
    plugin: Type.String({ minLength: 1, maxLength: 64 }),
    version: Type.String({ minLength: 1, maxLength: 64 }),
    files: Type.Record(Type.String({ minLength: 1, maxLength: 500 }), Type.String({ pattern: '^[0-9a-f]{64}$' })),
    key_id: Type.String({ pattern: KEY_ID_PATTERN }),
    signer: Type.String({ minLength: 1, maxLength: 200, description: "The author's own name for the key; never shown as trust" }),
    signed_at: Type.String({ format: 'date-time' }),
    signature: Type.String({ minLength: 1, maxLength: 200, description: 'base64 Ed25519 signature' }),
  },
  { $id: 'PluginSignatureFile', additionalProperties: false },
);
export type PluginSignatureFile = Static<typeof PluginSignatureFile>;

/** What a catalog entry says of a package's signature; the store checks it matches, it does not decide trust. */
export const CatalogSignature = Type.Union([Type.Object({ key_id: Type.String(), signer: Type.String() }), Type.Null()]);
export type CatalogSignature = Static<typeof CatalogSignature>;

export const SIGNATURE_STATES = ['valid', 'untrusted', 'invalid', 'unsigned', 'modified'] as const;
// Type.Enum, not Type.Union over a mapped array: the mapped array is no tuple, so its Static type was `never`.
export const SignatureState = Type.Enum(SIGNATURE_STATES);
export type SignatureState = Static<typeof SignatureState>;

/** An installed plugin's signature as this dashboard judges it. */
export const InstalledSignature = Type.Object({
  state: SignatureState,
  /** The trusted key's name (state `valid`): what badges show, never the package's own `signer`. */
  key_name: Type.Optional(Type.String()),
  key_id: Type.Optional(Type.String()),
  /** The package's self-declared signer, shown only as such. */
  signer: Type.Optional(Type.String()),
  /** Why, for `invalid` and `modified`: "modified since install: index.js". */
  reason: Type.Optional(Type.String()),
});
export type InstalledSignature = Static<typeof InstalledSignature>;

export const SIGNATURE_POLICIES = ['warn', 'require', 'off'] as const;
export type SignaturePolicy = (typeof SIGNATURE_POLICIES)[number];

/** A public key this dashboard trusts. */
export const TrustedKey = Type.Object({
  key_id: Type.String({ pattern: KEY_ID_PATTERN }),
  name: Type.String(),
  /** `folder`: a `*.pem` in OKO_TRUSTED_KEYS (removed by deleting the file); `settings`: added through the API. */
  source: Type.Union([Type.Literal('folder'), Type.Literal('settings')]),
  public_key: Type.String({ description: 'SPKI PEM' }),
  added_at: Type.Optional(Type.String()),
});
export type TrustedKey = Static<typeof TrustedKey>;

export const TrustedKeyList = Type.Object({
  keys: Type.Array(TrustedKey),
  policy: Type.Enum(SIGNATURE_POLICIES),
});
export type TrustedKeyList = Static<typeof TrustedKeyList>;

export const AddTrustedKey = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9][A-Za-z0-9 ._-]*$' }),
    public_key: Type.String({ minLength: 1, maxLength: 2000, description: 'Ed25519 public key, SPKI PEM' }),
  },
  { additionalProperties: false },
);
export type AddTrustedKey = Static<typeof AddTrustedKey>;
