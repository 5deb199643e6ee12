import { readFile, stat, writeFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIGNATURE_FILE } from '@oko/shared';
import { getJson } from '../../../test-support/http.js';
import { removeDir, tempDir, zipFiles } from '../../../test-support/fixtures.js';
import { buildTestStore } from '../../../test-support/store-app.js';
import { runCli, validPlugin, writeTree } from './helpers.js';

let work: string;
let keyFile: string;
let pemFile: string;
let keyId: string;
let counter = 0;

beforeAll(async () => {
  work = await tempDir('cli-sign');
  const run = await runCli(['keygen', '--out', 'keys', '--name', 'author'], { cwd: work });
  expect(run.code).toBe(0);
  keyFile = path.join(work, 'keys', 'author.key');
  pemFile = path.join(work, 'keys', 'author.pem');
  keyId = /key id: ([0-9a-f]{16})/.exec(run.stdout)![1]!;
});
afterAll(async () => {
  await removeDir(work);
});

async function signedPlugin(extra: Record<string, string> = {}): Promise<string> {
  const dir = await writeTree(path.join(work, `plugin-${++counter}`), { ...validPlugin(), 'test/a.test.js': 'test', ...extra });
  const run = await runCli(['sign', dir, '--key', keyFile, '--signer', 'Ann Author']);
  expect(run.code, run.stderr).toBe(0);
  return dir;
}

describe('oko-plugin keygen', () => {
  it('writes a 0600 private key and a public key, and prints the key id and public key', async () => {
    expect(((await stat(keyFile)).mode & 0o777).toString(8)).toBe('600');
    const pem = await readFile(pemFile, 'utf8');
    expect(pem).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    const again = await runCli(['keygen', '--out', 'keys', '--name', 'author'], { cwd: work });
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already exists/);
    expect(await readFile(pemFile, 'utf8')).toBe(pem);
  });
});

describe('oko-plugin sign and verify', () => {
  it('signs every packaged file and verifies valid with --trust, untrusted (exit 0) without', async () => {
    const dir = await signedPlugin();
    const signature = JSON.parse(await readFile(path.join(dir, SIGNATURE_FILE), 'utf8'));
    expect(Object.keys(signature.files)).toEqual(['index.js', 'manifest.json', 'ui.yaml']);
    expect(signature).toMatchObject({ key_id: keyId, signer: 'Ann Author', plugin: 'sample_plugin', version: '1.2.3' });

    const valid = await runCli(['verify', dir, '--trust', pemFile]);
    expect(valid.code).toBe(0);
    expect(valid.stdout).toContain('state: valid');
    expect(valid.stdout).toContain(`key id: ${keyId}`);
    expect(valid.stdout).toContain('signer: Ann Author');
    const untrusted = await runCli(['verify', dir]);
    expect(untrusted.code).toBe(0);
    expect(untrusted.stdout).toContain('state: untrusted');
  });

  it('names each modified file and exits 1', async () => {
    const dir = await signedPlugin({ 'static/a.css': 'a{}' });
    await writeFile(path.join(dir, 'index.js'), 'export async function setup() {}\n');
    await writeFile(path.join(dir, 'added.js'), '');
    await rm(path.join(dir, 'static/a.css'));
    const run = await runCli(['verify', dir, '--trust', pemFile]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('state: modified');
    expect(run.stdout).toContain('modified: added.js (added)');
    expect(run.stdout).toContain('modified: index.js (changed)');
    expect(run.stdout).toContain('modified: static/a.css (missing)');
  });

  it('says invalid for a key that did not sign it, and unsigned for no signature', async () => {
    const dir = await signedPlugin();
    await runCli(['keygen', '--out', 'keys', '--name', 'other'], { cwd: work });
    const run = await runCli(['verify', dir, '--trust', path.join(work, 'keys', 'other.pem')]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('state: invalid');
    expect(run.stderr).toMatch(/not with the given key/);
    await rm(path.join(dir, SIGNATURE_FILE));
    const unsigned = await runCli(['verify', dir]);
    expect(unsigned.code).toBe(1);
    expect(unsigned.stderr).toMatch(/unsigned/);
  });

  it('verifies a ZIP made by pack, and finds a file slipped into it', async () => {
    const dir = await signedPlugin();
    const zip = path.join(work, 'signed.zip');
    expect((await runCli(['pack', dir, '-o', zip])).code).toBe(0);
    const run = await runCli(['verify', zip, '--trust', pemFile]);
    expect(run.stdout, run.stderr).toContain('state: valid');
    expect(run.code).toBe(0);
    // The same folder zipped with its test/ folder (not by pack): test/ is in the package, not in the signature.
    const files = Object.fromEntries(
      await Promise.all(
        ['manifest.json', 'index.js', 'ui.yaml', SIGNATURE_FILE, 'test/a.test.js'].map(async (f) => [f, await readFile(path.join(dir, f))]),
      ),
    );
    const loose = path.join(work, 'loose.zip');
    await writeFile(loose, await zipFiles(files));
    const tampered = await runCli(['verify', loose, '--trust', pemFile]);
    expect(tampered.code).toBe(1);
    expect(tampered.stdout).toContain('modified: test/a.test.js (added)');
  });

  it('refuses a bad key file and a ZIP to sign', async () => {
    const dir = await writeTree(path.join(work, 'plain'), validPlugin());
    const notKey = await runCli(['sign', dir, '--key', pemFile]);
    expect(notKey.code).toBe(1);
    expect(notKey.stderr).toMatch(/not a private key/);
    expect(await stat(path.join(dir, SIGNATURE_FILE)).catch(() => null)).toBeNull();
    expect((await runCli(['sign', dir])).stderr).toMatch(/needs --key/);
  });
});

describe('oko-plugin publish --key', () => {
  it('signs before uploading, and the store lists the signature', async () => {
    const store = await buildTestStore();
    try {
      const dir = await writeTree(path.join(work, 'to-publish'), validPlugin('published_signed', '1.0.0'));
      const run = await runCli(['publish', dir, '--store', store.url, '--key', keyFile, '--signer', 'Ann Author']);
      expect(run.code, run.stderr).toBe(0);
      const { body } = await getJson<{ signature: unknown }>(`${store.api}/plugins/${run.stdout.trim()}`);
      expect(body.signature).toEqual({ key_id: keyId, signer: 'Ann Author' });
    } finally {
      await store.close();
    }
  });
});
