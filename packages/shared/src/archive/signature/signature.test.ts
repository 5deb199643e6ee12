import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OkoError } from '../../errors.js';
import { SIGNATURE_FILE } from '../../signature.js';
import { manifestText } from '../../../../../test-support/raw-zip.js';
import {
  canonicalJson,
  checkPluginSignature,
  checkSignature,
  generateKeyPair,
  hashFiles,
  keyIdOf,
  packagedFiles,
  parseSignature,
  readSignature,
  signPayload,
  signPlugin,
  verifySignatureBytes,
} from '../index.js';
import vectorFile from './test-vector.json' with { type: 'json' };

const vector = { ...vectorFile, payload: { ...vectorFile.payload, format: 1 as const } };

let work: string;
let plugin: string;
const keys = generateKeyPair();

beforeEach(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'oko-sign-'));
  plugin = path.join(work, 'plugin');
  await mkdir(path.join(plugin, 'static'), { recursive: true });
  await mkdir(path.join(plugin, 'test'));
  await mkdir(path.join(plugin, 'node_modules', 'x'), { recursive: true });
  await writeFile(path.join(plugin, 'manifest.json'), manifestText('signed', '1.0.0'));
  await writeFile(path.join(plugin, 'index.js'), 'export async function setup() {}\n');
  await writeFile(path.join(plugin, 'static', 'app.css'), 'body{}');
  await writeFile(path.join(plugin, 'test', 'a.test.js'), 'test');
  await writeFile(path.join(plugin, 'node_modules', 'x', 'i.js'), 'x');
});
afterEach(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('test vector (docs/architecture.md#format)', () => {
  it('gives the documented key id, JCS bytes and signature', () => {
    expect(keyIdOf(vector.public_key_pem)).toBe(vector.key_id);
    expect(canonicalJson(vector.payload)).toBe(vector.jcs);
    // Ed25519 is deterministic: the same key and bytes give the same signature everywhere.
    const signed = signPayload(vector.payload, vector.private_key_pem);
    expect(signed.signature).toBe(vector.signature);
    expect(verifySignatureBytes({ ...vector.payload, signature: vector.signature }, vector.public_key_pem)).toBe(true);
  });

  it('is the RFC 8032 test 1 key, so raw-key libraries can use it', () => {
    expect(vector.public_key_hex).toBe('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a');
  });
});

describe('canonicalJson', () => {
  it('sorts keys by code unit and writes numbers in ECMAScript form', () => {
    expect(canonicalJson({ b: 1, a: [1e21, 0.1, -0], B: 'é\u2028' })).toBe('{"B":"é\u2028","a":[1e+21,0.1,0],"b":1}');
  });
  it('refuses what JSON cannot hold', () => {
    expect(() => canonicalJson(undefined)).toThrow();
    expect(() => canonicalJson({ n: Number.NaN })).toThrow();
  });
});

describe('packagedFiles and hashFiles', () => {
  it('lists what pack packs, without tests, dependencies or the signature', async () => {
    await writeFile(path.join(plugin, SIGNATURE_FILE), '{}');
    expect(await packagedFiles(plugin)).toEqual(['index.js', 'manifest.json', 'static/app.css']);
  });
  it('hashes each file', async () => {
    const digests = await hashFiles(plugin, ['static/app.css', 'index.js']);
    expect(digests['static/app.css']).toBe(createHash('sha256').update('body{}').digest('hex'));
    expect(Object.keys(digests)).toEqual(['static/app.css', 'index.js']);
    expect(digests['index.js']).toMatch(/^[0-9a-f]{64}$/);
  });
  it('hashes a file too large to read whole (streamed), an empty one, and one named __proto__', async () => {
    const big = Buffer.alloc(3 * 1024 * 1024 + 7, 'x');
    await writeFile(path.join(plugin, 'big.bin'), big);
    await writeFile(path.join(plugin, 'empty.txt'), '');
    await writeFile(path.join(plugin, '__proto__'), 'p');
    const digests = await hashFiles(plugin, ['big.bin', 'empty.txt', '__proto__']);
    expect(digests['big.bin']).toBe(createHash('sha256').update(big).digest('hex'));
    expect(digests['empty.txt']).toBe(createHash('sha256').digest('hex'));
    expect(Object.keys(digests)).toEqual(['big.bin', 'empty.txt', '__proto__']);
    expect(digests['__proto__']).toBe(createHash('sha256').update('p').digest('hex'));
  });
  it('refuses a path outside the folder', async () => {
    await expect(hashFiles(plugin, ['../x'])).rejects.toThrow(/escapes/);
  });
});

describe('signPlugin and checkSignature', () => {
  const manifest = { name: 'signed', version: '1.0.0' };

  it('signs, then verifies valid with the key and untrusted without', async () => {
    const written = await signPlugin(plugin, { privateKeyPem: keys.privateKeyPem, signer: 'Ann' });
    const read = await readSignature(plugin);
    expect(read).toEqual(written);
    expect(Object.keys(written.files)).toEqual(['index.js', 'manifest.json', 'static/app.css']);
    expect(written.key_id).toBe(keys.keyId);
    const files = await hashFiles(plugin, await packagedFiles(plugin));
    expect(checkSignature(read!, files, manifest, keys.publicKeyPem)).toEqual({ state: 'valid' });
    expect(checkSignature(read!, files, manifest)).toEqual({ state: 'untrusted' });
  });

  it('says invalid for another key, a forged signature, or another plugin or version', async () => {
    const sig = await signPlugin(plugin, { privateKeyPem: keys.privateKeyPem, signer: 'Ann' });
    const files = await hashFiles(plugin, await packagedFiles(plugin));
    const other = generateKeyPair();
    expect(checkSignature(sig, files, manifest, other.publicKeyPem)).toMatchObject({ state: 'invalid', reason: /not with the given key/ });
    const forged = { ...sig, signer: 'Mallory' };
    expect(checkSignature(forged, files, manifest, keys.publicKeyPem)).toMatchObject({ state: 'invalid', reason: /does not verify/ });
    expect(checkSignature(sig, files, { ...manifest, name: 'other' })).toMatchObject({ state: 'invalid', reason: /plugin "signed"/ });
    expect(checkSignature(sig, files, { ...manifest, version: '1.0.1' })).toMatchObject({ state: 'invalid', reason: /version 1.0.0/ });
  });

  it('names changed, added and missing files as modified', async () => {
    const sig = await signPlugin(plugin, { privateKeyPem: keys.privateKeyPem, signer: 'Ann' });
    await writeFile(path.join(plugin, 'index.js'), 'export async function setup() {} \n');
    await writeFile(path.join(plugin, 'extra.js'), '');
    await rm(path.join(plugin, 'static', 'app.css'));
    const files = await hashFiles(plugin, await packagedFiles(plugin));
    const check = checkSignature(sig, files, manifest, keys.publicKeyPem);
    expect(check).toMatchObject({ state: 'modified', modified: ['extra.js', 'index.js', 'static/app.css'] });
    expect(check.reason).toContain('extra.js (added), index.js (changed), static/app.css (missing)');
  });

  it('checks every file of an extracted package, test/ and node_modules/ included', async () => {
    await signPlugin(plugin, { privateKeyPem: keys.privateKeyPem, signer: 'Ann' });
    const result = await checkPluginSignature(plugin, manifest, keys.publicKeyPem);
    expect(result).toMatchObject({ check: { state: 'modified', modified: ['node_modules/x/i.js', 'test/a.test.js'] } });
    await rm(path.join(plugin, 'test'), { recursive: true });
    await rm(path.join(plugin, 'node_modules'), { recursive: true });
    expect(await checkPluginSignature(plugin, manifest, keys.publicKeyPem)).toMatchObject({ check: { state: 'valid' } });
  });

  it('gives signature null for an unsigned folder', async () => {
    expect(await readSignature(plugin)).toBeNull();
    expect(await checkPluginSignature(plugin, manifest)).toEqual({ signature: null });
  });
});

describe('parseSignature', () => {
  const good = () => signPayload({ ...vector.payload }, vector.private_key_pem);
  const problem = (text: string) => {
    try {
      parseSignature(text);
    } catch (error) {
      expect(error).toBeInstanceOf(OkoError);
      expect((error as OkoError).code).toBe('INVALID_SIGNATURE');
      return (error as Error).message;
    }
    throw new Error('accepted');
  };

  it('accepts a good signature', () => {
    expect(parseSignature(JSON.stringify(good()))).toEqual(good());
  });
  it('refuses a truncated file, a duplicate key, a missing field, an unsafe path and a short signature', () => {
    const text = JSON.stringify(good(), null, 2);
    expect(problem(text.slice(0, text.length / 2))).toMatch(/not valid JSON/);
    expect(problem(text.replace('"index.js": "a', '"index.js": "f'.padEnd(14, ' ') + 'a", "index.js": "a'))).toMatch(/duplicate/i);
    const { signer: _signer, ...noSigner } = good();
    expect(problem(JSON.stringify(noSigner))).toMatch(/signer: is required/);
    expect(problem(JSON.stringify({ ...good(), files: { '../x': 'a'.repeat(64) } }))).toMatch(/not a file of the package/);
    expect(problem(JSON.stringify({ ...good(), signature: good().signature.slice(0, 40) }))).toMatch(/64 bytes/);
    expect(problem(JSON.stringify({ ...good(), format: 2 }))).toMatch(/format/);
  });
  it('refuses a signature file that is too large before parsing it', async () => {
    await writeFile(path.join(plugin, SIGNATURE_FILE), ' '.repeat(5 * 1024 * 1024));
    await expect(readSignature(plugin)).rejects.toThrow(/larger than/);
    expect(await readFile(path.join(plugin, 'index.js'), 'utf8')).toContain('setup');
  });
});
