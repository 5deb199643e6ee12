import { sign, verify, type KeyObject } from 'node:crypto';
import { rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { SIGNATURE_FILE, SIGNATURE_FORMAT, type PluginSignatureFile } from '../../signature.js';
import { readPluginDirectory } from '../plugin-dir.js';
import { packagedFiles } from '../package-rules.js';
import { canonicalJson } from './canonical.js';
import { hashFiles } from './hash.js';
import { keyIdOf, parsePrivateKey, parsePublicKey } from './keys.js';

export type SignaturePayload = Omit<PluginSignatureFile, 'signature'>;

/** The bytes an Ed25519 signature covers: the UTF-8 of the JCS form of every field but `signature`. */
export function signaturePayload(signature: SignaturePayload | PluginSignatureFile): Buffer {
  const { signature: _ignored, ...payload } = signature as PluginSignatureFile;
  return Buffer.from(canonicalJson(payload), 'utf8');
}

/** Signs a payload: fills in key_id from the key and adds the base64 signature. */
export function signPayload(payload: Omit<SignaturePayload, 'key_id'>, privateKeyPem: string | KeyObject): PluginSignatureFile {
  const key = typeof privateKeyPem === 'string' ? parsePrivateKey(privateKeyPem) : privateKeyPem;
  const full: SignaturePayload = { ...payload, key_id: keyIdOf(key) };
  // Ed25519 takes no digest name: the algorithm is fixed by the key.
  const bytes = sign(null, signaturePayload(full), key);
  return { ...full, signature: bytes.toString('base64') };
}

/** Whether `signature` is a good Ed25519 signature of its payload by publicKey; false on any malformed input. */
export function verifySignatureBytes(signature: PluginSignatureFile, publicKey: string | KeyObject): boolean {
  try {
    return verify(null, signaturePayload(signature), parsePublicKey(publicKey), Buffer.from(signature.signature, 'base64'));
  } catch {
    return false;
  }
}

export interface SignOptions {
  privateKeyPem: string;
  /** The author's own name for the key, shown as self-declared. */
  signer: string;
  /** For reproducible signatures (tests, the test vector); defaults to now. */
  signedAt?: Date;
}

/**
 * Signs a plugin folder: hashes every file `oko-plugin pack` would put in its package and writes
 * oko-signature.json at its root (atomically, so a reader never sees half a file). Checks
 * manifest.json first: plugin and version come from it.
 */
export async function signPlugin(dir: string, options: SignOptions): Promise<PluginSignatureFile> {
  const { manifest } = await readPluginDirectory(dir);
  const files = await hashFiles(dir, await packagedFiles(dir));
  const signature = signPayload(
    {
      format: SIGNATURE_FORMAT,
      plugin: manifest.name,
      version: manifest.version,
      files: { ...files },
      signer: options.signer,
      signed_at: (options.signedAt ?? new Date()).toISOString(),
    },
    options.privateKeyPem,
  );
  const target = path.join(dir, SIGNATURE_FILE);
  const temp = `${target}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(temp, `${JSON.stringify(signature, null, 2)}\n`, { flag: 'wx' });
  await rename(temp, target);
  return signature;
}
