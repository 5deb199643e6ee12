import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { generateKeyPair, listPackageFiles, signPlugin, type SigningKeyPair } from '@oko/shared/archive';
import { pluginFiles, removeDir, sha256, tempDir, zipFiles, type PluginFixture } from '../../../test-support/fixtures.js';

export type Files = Record<string, string | Buffer>;

/** The files of `fixture` (plus a lib.js to remove), signed with `key` by oko's own signPlugin. */
export async function signedFiles(fixture: PluginFixture, key: SigningKeyPair, signer = 'Test Signer'): Promise<Files> {
  const dir = await tempDir('signed-plugin');
  try {
    const files = pluginFiles({ ...fixture, files: { 'lib.js': 'export const lib = 1;\n', ...fixture.files } });
    for (const [name, content] of Object.entries(files)) {
      await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
      await writeFile(path.join(dir, name), content);
    }
    await signPlugin(dir, { privateKeyPem: key.privateKeyPem, signer });
    const out: Files = {};
    for (const name of await listPackageFiles(dir)) out[name] = await readFile(path.join(dir, name));
    return out;
  } finally {
    await removeDir(dir);
  }
}

/** A package served by the fake store: its catalog entry and its ZIP. */
export async function packageOf(files: Files, overrides: Record<string, unknown> = {}) {
  const manifest = JSON.parse(files['manifest.json']!.toString()) as { name: string; version: string };
  const zip = await zipFiles(files);
  const entry = {
    id: `id_${manifest.name}_${manifest.version.replaceAll('.', '_')}`,
    name: manifest.name,
    version: manifest.version,
    description: 'x',
    size: zip.length,
    sha256: sha256(zip),
    ...overrides,
  };
  return { entry, zip };
}

/** A folder holding `keys` as `<name>.pem`, for OKO_TRUSTED_KEYS. */
export async function keyFolder(root: string, keys: Record<string, SigningKeyPair | string>): Promise<string> {
  const dir = path.join(root, 'trusted-keys');
  await mkdir(dir, { recursive: true });
  for (const [name, key] of Object.entries(keys))
    await writeFile(path.join(dir, `${name}.pem`), typeof key === 'string' ? key : key.publicKeyPem);
  return dir;
}

export { generateKeyPair, type SigningKeyPair };
