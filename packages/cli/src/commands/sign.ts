import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { KeyFormatError, parsePrivateKey, signPlugin } from '@oko/shared/archive';
import { checkPlugin, invalidPlugin } from '../lib/check-plugin.js';
import { CliError, ExitCode, usageError } from '../lib/errors.js';
import type { Invocation } from '../lib/invocation.js';

/** The private key in FILE, checked to be an Ed25519 PKCS#8 PEM before anything is signed. */
export async function readPrivateKey(file: string, cwd: string): Promise<string> {
  const text = await readFile(path.resolve(cwd, file), 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw usageError(`cannot read the key ${file}: ${error.code ?? error.message}`);
  });
  try {
    parsePrivateKey(text);
  } catch (error) {
    if (error instanceof KeyFormatError) throw new CliError(ExitCode.INVALID, `${file}: ${error.message} (oko-plugin keygen writes one)`);
    throw error;
  }
  return text;
}

export interface SignResult {
  file: string;
  files: number;
  keyId: string;
  signer: string;
}

/**
 * Validates a plugin folder, then writes its oko-signature.json (every file `pack` would package).
 * The signer defaults to the manifest's author: it is the author's own name, shown as such.
 */
export async function signFolder(dir: string, keyFile: string, signer: string | undefined, cwd: string): Promise<SignResult> {
  const checked = await checkPlugin(dir, cwd);
  try {
    if (checked.kind !== 'folder') throw usageError(`sign takes a plugin folder, not a file: ${dir} (sign the folder, then pack it)`);
    if (checked.issues.length > 0 || !checked.manifest) throw invalidPlugin(dir, checked.issues, 'nothing signed');
    const privateKeyPem = await readPrivateKey(keyFile, cwd);
    const name = signer ?? (checked.manifest.author || path.basename(keyFile).replace(/\.key$/, ''));
    const signature = await signPlugin(checked.dir, { privateKeyPem, signer: name });
    return {
      file: path.join(checked.dir, 'oko-signature.json'),
      files: Object.keys(signature.files).length,
      keyId: signature.key_id,
      signer: name,
    };
  } finally {
    await checked.cleanup();
  }
}

/** `oko-plugin sign <dir> --key FILE [--signer NAME]`. */
export async function signCommand(
  dir: string,
  keyFile: string | undefined,
  signer: string | undefined,
  { cwd, out }: Invocation,
): Promise<void> {
  if (!keyFile) throw usageError('sign needs --key FILE (a private key written by oko-plugin keygen)');
  const result = await signFolder(dir, keyFile, signer, cwd);
  out.info(`signed ${result.files} file(s) with key ${result.keyId} as "${result.signer}"`);
  out.result(result.file);
}
