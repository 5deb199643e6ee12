import { createError, SIGNATURE_FILE, type CatalogSignature } from '@oko/shared';
import { checkSignature, hashFiles, listPackageFiles, readSignature } from '@oko/shared/archive';

/**
 * The store's check of a signed package (README, Signatures): its oko-signature.json must be well
 * formed, name this plugin and version, and list exactly the files the served package will hold
 * with their digests. The store has no key to check the Ed25519 signature itself against (a key in
 * the package would only vouch for itself): that, and trust, are each dashboard's. Returns what
 * the catalog entry shows; throws INVALID_SIGNATURE naming what does not match.
 */
export async function checkPackageSignature(
  pluginDir: string,
  manifest: { name: string; version: string },
  exclude?: (relativePath: string) => boolean,
): Promise<CatalogSignature> {
  const signature = await readSignature(pluginDir);
  if (!signature) return null;
  const listed = (await listPackageFiles(pluginDir, { exclude })).filter((file) => file !== SIGNATURE_FILE);
  const check = checkSignature(signature, await hashFiles(pluginDir, listed), manifest);
  if (check.state !== 'untrusted') {
    throw createError('INVALID_SIGNATURE', `${SIGNATURE_FILE} does not match the package: ${check.reason ?? check.state}`, {
      details: { state: check.state, ...(check.modified ? { files: check.modified.slice(0, 100) } : {}) },
    });
  }
  return { key_id: signature.key_id, signer: signature.signer };
}
