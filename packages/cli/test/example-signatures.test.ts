import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkSignature, hashFiles, keyIdOf, packagedFiles, readSignature } from '@oko/shared/archive';
import { examplesDir, repoRoot, runCli } from './helpers.js';

// The example plugins ship signed with the examples key (examples/README.md): an edit to an example
// without re-signing it fails here, as it would fail on every dashboard that trusts that key.
const publicKeyFile = path.join(repoRoot, 'examples/keys/oko-examples.pem');
const examples = (await readdir(examplesDir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);

describe('the example plugins', () => {
  it('are all there', () => {
    expect(examples.length).toBeGreaterThanOrEqual(3);
  });

  it.each(examples)('%s is signed by the examples key, and its signature matches its files', async (name) => {
    const dir = path.join(examplesDir, name);
    const publicKey = await readFile(publicKeyFile, 'utf8');
    const signature = await readSignature(dir);
    expect(signature, `${name} has no oko-signature.json: sign it (examples/README.md)`).not.toBeNull();
    expect(signature!.key_id).toBe(keyIdOf(publicKey));
    expect(signature!.signer).toBe('OKO examples');
    const check = checkSignature(
      signature!,
      await hashFiles(dir, await packagedFiles(dir)),
      JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8')) as { name: string; version: string },
      publicKey,
    );
    expect(check, `${name}: ${check.reason ?? ''}; re-sign it (examples/README.md)`).toEqual({ state: 'valid' });
    const run = await runCli(['verify', dir, '--trust', publicKeyFile]);
    expect(run.stdout).toContain('state: valid');
    expect(run.code).toBe(0);
  });

  it('keep no private key in the repository folder', async () => {
    const files = await readdir(path.join(repoRoot, 'examples'), { recursive: true, withFileTypes: true });
    for (const file of files.filter((f) => f.isFile())) {
      const text = await readFile(path.join(file.parentPath, file.name), 'utf8');
      expect(text, path.join(file.parentPath, file.name)).not.toContain('PRIVATE KEY');
    }
  });
});
