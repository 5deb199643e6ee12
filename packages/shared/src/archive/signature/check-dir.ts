import type { KeyObject } from 'node:crypto';
import type { PluginSignatureFile } from '../../signature.js';
import { packageContents } from '../package-rules.js';
import { checkSignature, type SignatureCheck } from './check.js';
import { hashFiles } from './hash.js';
import { readSignature } from './read.js';

export type PluginSignatureResult = { signature: null } | { signature: PluginSignatureFile; check: SignatureCheck };

/**
 * Reads and judges the signature of an extracted or installed package folder against every file in
 * it (packageContents: nothing is left out, since whatever is there can be loaded). `signature:
 * null` for an unsigned package; throws INVALID_SIGNATURE for an unreadable oko-signature.json.
 */
export async function checkPluginSignature(
  dir: string,
  manifest: { name: string; version: string },
  publicKeyPem?: string | KeyObject,
): Promise<PluginSignatureResult> {
  const signature = await readSignature(dir);
  if (!signature) return { signature: null };
  const files = await hashFiles(dir, await packageContents(dir));
  return { signature, check: checkSignature(signature, files, manifest, publicKeyPem) };
}
