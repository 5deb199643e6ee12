import { chmod, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { generateKeyPair } from '@oko/shared/archive';
import { CliError, ExitCode, usageError } from '../lib/errors.js';
import type { Invocation } from '../lib/invocation.js';

export const DEFAULT_KEY_NAME = 'oko-signing';

/**
 * `oko-plugin keygen [--out DIR] [--name N]`: a new Ed25519 key pair, N.key (PKCS#8 PEM, mode 0600:
 * the secret that signs) and N.pem (SPKI PEM: what a dashboard's admin trusts). Never overwrites a
 * key: losing a private key that dashboards trust is not undoable.
 */
export async function keygenCommand(outDir: string | undefined, name: string | undefined, { cwd, out }: Invocation): Promise<void> {
  const keyName = name ?? DEFAULT_KEY_NAME;
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(keyName))
    throw usageError(`keygen: --name must be a file name (letters, digits, . _ -): ${keyName}`);
  const dir = path.resolve(cwd, outDir ?? '.');
  await mkdir(dir, { recursive: true });
  const pair = generateKeyPair();
  const keyFile = path.join(dir, `${keyName}.key`);
  const pemFile = path.join(dir, `${keyName}.pem`);
  try {
    // 'wx': refuse an existing file; the mode is set at creation, so the secret is never readable by others.
    await writeFile(keyFile, pair.privateKeyPem, { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new CliError(ExitCode.INVALID, `${keyFile} already exists; nothing written (choose another --name or --out)`);
    }
    throw error;
  }
  // The umask may have taken bits off 0600, never added: chmod makes it exact anyway.
  await chmod(keyFile, 0o600);
  await writeFile(pemFile, pair.publicKeyPem, { flag: 'w' });
  out.info(`private key: ${keyFile} (keep it secret, outside any repository)`);
  out.info(`public key:  ${pemFile} (give it to the dashboards that should trust your plugins)`);
  out.result(`key id: ${pair.keyId}`);
  out.result(pair.publicKeyPem.trimEnd());
}
