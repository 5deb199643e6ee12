import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { PluginSignatureFile } from '@oko/shared';
import {
  checkSignature,
  hashFiles,
  KeyFormatError,
  packageContents,
  packagedFiles,
  parsePublicKey,
  readSignature,
} from '@oko/shared/archive';
import { isOkoError } from '@oko/shared';
import { checkPlugin, invalidPlugin } from '../lib/check-plugin.js';
import { CliError, ExitCode, usageError } from '../lib/errors.js';
import type { Invocation } from '../lib/invocation.js';

async function readTrustedKey(file: string, cwd: string): Promise<string> {
  const text = await readFile(path.resolve(cwd, file), 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw usageError(`cannot read the public key ${file}: ${error.code ?? error.message}`);
  });
  try {
    parsePublicKey(text);
  } catch (error) {
    if (error instanceof KeyFormatError) throw new CliError(ExitCode.INVALID, `${file}: ${error.message}`);
    throw error;
  }
  return text;
}

function change(signature: PluginSignatureFile, files: Record<string, string>, file: string): string {
  if (!Object.hasOwn(files, file)) return 'missing';
  return Object.hasOwn(signature.files, file) ? 'changed' : 'added';
}

/**
 * `oko-plugin verify <dir|zip> [--trust PUBKEY.pem]`: the signature's state, as a dashboard trusting
 * that key would judge it. A folder is judged on the files `pack` would package; a ZIP on every file
 * in it. Exit 0 for `valid`, and for `untrusted` (well formed and matching) when no key is given.
 */
export async function verifyCommand(target: string, trust: string | undefined, { cwd, out }: Invocation): Promise<void> {
  const publicKey = trust === undefined ? undefined : await readTrustedKey(trust, cwd);
  const checked = await checkPlugin(target, cwd);
  try {
    if (checked.issues.length > 0 || !checked.manifest) throw invalidPlugin(target, checked.issues, 'nothing verified');
    let signature: PluginSignatureFile | null;
    try {
      signature = await readSignature(checked.dir);
    } catch (error) {
      if (isOkoError(error)) throw new CliError(ExitCode.INVALID, `${target}: invalid: ${error.message}`);
      throw error;
    }
    if (!signature) throw new CliError(ExitCode.INVALID, `${target}: unsigned (no oko-signature.json)`);
    const list = checked.kind === 'zip' ? await packageContents(checked.dir) : await packagedFiles(checked.dir);
    const files = await hashFiles(checked.dir, list);
    const result = checkSignature(signature, files, checked.manifest, publicKey);
    out.result(`state: ${result.state}`);
    out.result(`plugin: ${signature.plugin} ${signature.version}`);
    out.result(`signer: ${signature.signer} (self-declared)`);
    out.result(`key id: ${signature.key_id}`);
    for (const file of result.modified ?? []) out.result(`modified: ${file} (${change(signature, files, file)})`);
    if (result.state === 'valid' || (result.state === 'untrusted' && publicKey === undefined)) {
      if (result.state === 'untrusted') out.info('well formed and matching its files; pass --trust KEY.pem to check who signed it');
      return;
    }
    throw new CliError(ExitCode.INVALID, `${target}: ${result.state}${result.reason ? `: ${result.reason}` : ''}`);
  } finally {
    await checked.cleanup();
  }
}
