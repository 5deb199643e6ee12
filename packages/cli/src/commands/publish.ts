import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { UploadResult } from '@oko/shared';
import { checkPlugin, invalidPlugin } from '../lib/check-plugin.js';
import type { StoreTarget } from '../lib/config.js';
import type { Invocation } from '../lib/invocation.js';
import { ProgressLine } from '../lib/progress.js';
import { uploadZip } from '../lib/store-api.js';
import { usageError } from '../lib/errors.js';
import { packFolder } from './pack.js';
import { signFolder } from './sign.js';

/**
 * `oko-plugin publish <dir|zip> [--key FILE]`: checks the plugin the way the store will, signs a
 * folder when given a key, packs it into a temp ZIP, streams it to the store and prints the catalog
 * id the store gave it.
 */
export async function publishCommand(
  target: string,
  store: StoreTarget,
  { cwd, out }: Invocation,
  signing: { key?: string; signer?: string } = {},
): Promise<void> {
  if (signing.key === undefined && signing.signer !== undefined) throw usageError('publish: --signer goes with --key');
  const temp = await mkdtemp(path.join(os.tmpdir(), 'oko-plugin-publish-'));
  try {
    if (signing.key !== undefined) {
      // Signed in place, as `oko-plugin sign` would: the folder then holds the signature the store checks.
      const signed = await signFolder(target, signing.key, signing.signer, cwd);
      out.info(`signed ${signed.files} file(s) with key ${signed.keyId} as "${signed.signer}"`);
    }
    const { zipFile, label } = await prepareZip(target, cwd, temp);
    let bar: ProgressLine | undefined;
    let answer: UploadResult;
    try {
      answer = await uploadZip(store, zipFile, (sent, total) => {
        bar ??= new ProgressLine(`uploading ${label}`, total, out.stderr);
        bar.update(sent);
      });
    } finally {
      bar?.finish();
    }
    out.info(`published ${label} to ${store.apiBase} as ${answer.plugin_id}`);
    for (const warning of answer.warnings ?? []) out.info(`warning: ${warning}`);
    out.result(answer.plugin_id);
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}

async function prepareZip(target: string, cwd: string, temp: string): Promise<{ zipFile: string; label: string }> {
  const checked = await checkPlugin(target, cwd);
  try {
    if (checked.issues.length > 0 || !checked.manifest) {
      throw invalidPlugin(target, checked.issues, 'nothing published');
    }
    const label = `${checked.manifest.name} ${checked.manifest.version}`;
    if (checked.kind === 'zip') return { zipFile: path.resolve(cwd, target), label };
    const packed = await packFolder(target, path.join(temp, `${checked.manifest.name}-${checked.manifest.version}.zip`), cwd);
    return { zipFile: packed.file, label };
  } finally {
    await checked.cleanup();
  }
}
