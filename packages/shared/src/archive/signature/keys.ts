import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';

export interface SigningKeyPair {
  /** PKCS#8 PEM: keep it secret, outside any repository. */
  privateKeyPem: string;
  /** SPKI PEM: what a dashboard's admin trusts. */
  publicKeyPem: string;
  keyId: string;
}

/** Thrown for a key that is not an Ed25519 key in the expected PEM form; the message says which. */
export class KeyFormatError extends Error {}

/** Reads an Ed25519 public key from SPKI PEM (or a private key's PEM, whose public half is taken). */
export function parsePublicKey(pem: string | KeyObject): KeyObject {
  let key: KeyObject;
  try {
    key = typeof pem === 'string' ? createPublicKey(pem) : pem.type === 'private' ? createPublicKey(pem) : pem;
  } catch (error) {
    throw new KeyFormatError(`not a public key in PEM form (${(error as Error).message})`, { cause: error });
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new KeyFormatError(`not an Ed25519 key (${key.asymmetricKeyType ?? 'unknown'})`);
  return key;
}

/** Reads an Ed25519 private key from PKCS#8 PEM. */
export function parsePrivateKey(pem: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (error) {
    throw new KeyFormatError(`not a private key in PEM form (${(error as Error).message})`, { cause: error });
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new KeyFormatError(`not an Ed25519 key (${key.asymmetricKeyType ?? 'unknown'})`);
  return key;
}

/** The raw 32 bytes of an Ed25519 public key (the JWK `x`), which key ids are computed from. */
export function rawPublicKey(publicKey: string | KeyObject): Buffer {
  const jwk = parsePublicKey(publicKey).export({ format: 'jwk' });
  return Buffer.from(jwk.x!, 'base64url');
}

/** First 16 hex characters of the SHA-256 of the raw 32-byte public key. */
export function keyIdOf(publicKey: string | KeyObject): string {
  return createHash('sha256').update(rawPublicKey(publicKey)).digest('hex').slice(0, 16);
}

export function generateKeyPair(): SigningKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519', {
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  return { privateKeyPem: privateKey, publicKeyPem: publicKey, keyId: keyIdOf(publicKey) };
}
