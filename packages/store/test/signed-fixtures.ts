import { createHash } from 'node:crypto';
import { SIGNATURE_FILE, SIGNATURE_FORMAT, type PluginSignatureFile } from '@oko/shared';
import { generateKeyPair, signPayload } from '@oko/shared/archive';
import type { RawZipEntry } from '../../../test-support/raw-zip.js';

/** One author key for the store's signature tests: the store never needs the public half. */
export const AUTHOR = generateKeyPair();

/**
 * The oko-signature.json an author's `oko-plugin sign` would write for these entries (every one
 * listed, under `prefix` when the plugin sits in a folder of the ZIP), as a ZIP entry.
 */
export function signatureOf(entries: RawZipEntry[], overrides: Partial<PluginSignatureFile> = {}, prefix = ''): PluginSignatureFile {
  const manifest = JSON.parse(String(entries.find((e) => e.name === `${prefix}manifest.json`)!.content)) as {
    name: string;
    version: string;
  };
  const files: Record<string, string> = {};
  for (const entry of entries) {
    files[entry.name.slice(prefix.length)] = createHash('sha256')
      .update(entry.content ?? '')
      .digest('hex');
  }
  const signed = signPayload(
    {
      format: SIGNATURE_FORMAT,
      plugin: manifest.name,
      version: manifest.version,
      files,
      signer: 'Store Tests',
      signed_at: new Date().toISOString(),
    },
    AUTHOR.privateKeyPem,
  );
  return { ...signed, ...overrides };
}

export function signatureEntry(signature: PluginSignatureFile | string, prefix = ''): RawZipEntry {
  return { name: `${prefix}${SIGNATURE_FILE}`, content: typeof signature === 'string' ? signature : JSON.stringify(signature, null, 2) };
}

/** The entries with their own signature added. */
export function signed(entries: RawZipEntry[], prefix = ''): RawZipEntry[] {
  return [...entries, signatureEntry(signatureOf(entries, {}, prefix), prefix)];
}
