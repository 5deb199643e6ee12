import type { KeyObject } from 'node:crypto';
import type { PluginSignatureFile } from '../../signature.js';
import { keyIdOf } from './keys.js';
import { verifySignatureBytes } from './sign.js';

export interface SignatureCheck {
  /**
   * `valid`: verifies with the given key and matches the files. `untrusted`: no key given, so the
   * Ed25519 signature itself is not checked; well formed and matching the files and the manifest,
   * trust not decided. `invalid`: a bad signature, or plugin/version not the manifest's.
   * `modified`: files changed, missing or added since signing (named in `modified`).
   */
  state: 'valid' | 'invalid' | 'modified' | 'untrusted';
  reason?: string;
  /** Sorted paths that differ from the signature's list. */
  modified?: string[];
}

/** Paths whose digest differs, or that are on one side only; sorted. */
export function differingFiles(signed: Record<string, string>, actual: Record<string, string>): string[] {
  const out = new Set<string>();
  for (const file of Object.keys(signed)) if (!Object.hasOwn(actual, file) || actual[file] !== signed[file]) out.add(file);
  for (const file of Object.keys(actual)) if (!Object.hasOwn(signed, file)) out.add(file);
  return [...out].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function describe(signed: Record<string, string>, actual: Record<string, string>, files: string[]): string {
  const shown = files.slice(0, 10).map((file) => {
    if (!Object.hasOwn(actual, file)) return `${file} (missing)`;
    if (!Object.hasOwn(signed, file)) return `${file} (added)`;
    return `${file} (changed)`;
  });
  const more = files.length > shown.length ? ` and ${files.length - shown.length} more` : '';
  return `files differ from the signature: ${shown.join(', ')}${more}`;
}

/**
 * Judges a parsed signature against the package's actual file digests and its manifest. With a
 * public key, also the Ed25519 signature (the key must be the one key_id names). Pure: the caller
 * lists and hashes the files (packageContents + hashFiles) and chooses the key.
 */
export function checkSignature(
  signature: PluginSignatureFile,
  files: Record<string, string>,
  manifest: { name: string; version: string },
  publicKeyPem?: string | KeyObject,
): SignatureCheck {
  if (publicKeyPem !== undefined) {
    let keyId: string;
    try {
      keyId = keyIdOf(publicKeyPem);
    } catch (error) {
      return { state: 'invalid', reason: `the public key is unusable: ${(error as Error).message}` };
    }
    if (keyId !== signature.key_id) {
      return { state: 'invalid', reason: `signed with key ${signature.key_id}, not with the given key ${keyId}` };
    }
    if (!verifySignatureBytes(signature, publicKeyPem)) {
      return { state: 'invalid', reason: `the signature does not verify with key ${keyId}` };
    }
  }
  if (signature.plugin !== manifest.name) {
    return { state: 'invalid', reason: `the signature is for plugin "${signature.plugin}", the manifest names "${manifest.name}"` };
  }
  if (signature.version !== manifest.version) {
    return { state: 'invalid', reason: `the signature is for version ${signature.version}, the manifest says ${manifest.version}` };
  }
  const differing = differingFiles(signature.files, files);
  if (differing.length > 0) return { state: 'modified', reason: describe(signature.files, files, differing), modified: differing };
  return publicKeyPem === undefined ? { state: 'untrusted' } : { state: 'valid' };
}
