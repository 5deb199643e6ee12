import { isOkoError, SIGNATURE_FILE, type InstalledSignature } from '@oko/shared';
import { checkSignature, differingFiles, hashFiles, listPackageFiles, readSignature } from '@oko/shared/archive';
import type { Static } from 'typebox';
import type { FileRecord } from './file-records.js';
import type { TrustedKeys } from './trusted-keys.js';

/**
 * Written into the plugin's folder by the installer (store id for uninstall): not part of the
 * package, so it is left out of the signature check; the install record covers it.
 */
export const INSTALL_RECORD_FILE = '.oko-install.json';

export interface FilesJudgement {
  signature: InstalledSignature;
  /** SHA-256 of every file in the folder now, signature and install record included: what an install records. */
  files: Record<string, string>;
}

/**
 * Judges a plugin folder as it is on disk (Grafana's signature/manifest.go is the model): first
 * against the backend's record of what was installed (a changed, added or removed file is
 * `modified`, whether the plugin is signed or not), then against its oko-signature.json and the
 * trusted keys. Every file is hashed once and compared with both.
 */
export async function judgeFiles(
  dir: string,
  manifest: { name: string; version: string } | null,
  record: Static<typeof FileRecord> | undefined,
  keys: TrustedKeys,
): Promise<FilesJudgement> {
  let files: Record<string, string>;
  try {
    files = await hashFiles(dir, await listPackageFiles(dir));
  } catch (error) {
    // A link or a special file appeared, or a file cannot be read: never loadable, and named.
    if (!isOkoError(error) && (error as NodeJS.ErrnoException).code === undefined) throw error;
    const problem = (error as Error).message;
    return {
      signature: {
        state: record ? 'modified' : 'invalid',
        reason: `${record ? 'modified since install' : 'unreadable files'}: ${problem}`,
      },
      files: {},
    };
  }
  if (record) {
    const differing = differingFiles(record.files, files);
    if (differing.length > 0) return { signature: { state: 'modified', reason: sinceInstall(record.files, files, differing) }, files };
  }
  let signature;
  try {
    signature = await readSignature(dir);
  } catch (error) {
    if (!isOkoError(error)) throw error;
    return { signature: { state: 'invalid', reason: error.message }, files };
  }
  if (!signature) return { signature: { state: 'unsigned' }, files };
  const identity = { key_id: signature.key_id, signer: signature.signer };
  if (!manifest)
    return {
      signature: { state: 'invalid', ...identity, reason: 'manifest.json is unreadable, so the signature cannot be matched to it' },
      files,
    };
  const signed: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [file, digest] of Object.entries(files)) if (file !== SIGNATURE_FILE && file !== INSTALL_RECORD_FILE) signed[file] = digest;
  const trusted = keys.byId(signature.key_id);
  const check = checkSignature(signature, signed, manifest, trusted?.public_key);
  if (check.state === 'valid') return { signature: { state: 'valid', key_name: trusted!.name, ...identity }, files };
  if (check.state === 'untrusted') return { signature: { state: 'untrusted', ...identity }, files };
  return { signature: { state: check.state, ...identity, reason: check.reason ?? check.state }, files };
}

/** "modified since install: index.js", with the added and removed files said as such. */
function sinceInstall(recorded: Record<string, string>, actual: Record<string, string>, differing: string[]): string {
  const shown = differing.slice(0, 10).map((file) => {
    if (!Object.hasOwn(actual, file)) return `${file} (removed)`;
    if (!Object.hasOwn(recorded, file)) return `${file} (added)`;
    return file;
  });
  const more = differing.length > shown.length ? ` and ${differing.length - shown.length} more` : '';
  return `modified since install: ${shown.join(', ')}${more}`;
}
