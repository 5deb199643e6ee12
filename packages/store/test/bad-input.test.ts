import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  buildRawZip,
  buildTestStore,
  expectRefusal,
  manifestText,
  openRawUpload,
  pluginZip,
  uploadFolders,
  uploadZip,
  type RawZipEntry,
  type TestStore,
} from './helpers.js';

let store: TestStore;

// Small limits so each case stays cheap: 1 MiB upload, 1 MiB unpacked, 20 entries.
beforeEach(async () => {
  store = await buildTestStore({ env: { OKO_STORE_MAX_PLUGIN_SIZE_MB: '1', OKO_STORE_MAX_UNPACKED_MB: '1', OKO_STORE_MAX_ENTRIES: '20' } });
  // One good entry, so "the catalog is as it was" is checked against something.
  expect((await uploadZip(store, pluginZip('kept_plugin', '1.0.0'))).status).toBe(201);
});
afterEach(async () => {
  await store?.close();
});

const manifest: RawZipEntry = { name: 'manifest.json', content: manifestText('bad_plugin', '1.0.0') };
const index: RawZipEntry = { name: 'index.js', content: 'export async function setup() {}' };

function expectRefusedUpload(zip: Buffer, status: number, code: string): Promise<string> {
  return expectRefusal(store, () => uploadZip(store, zip), status, code);
}

describe('archive uploads the store refuses', () => {
  it.each([
    ['zip slip with ../', '../../evil.js', /escapes/],
    ['zip slip inside a folder', 'static/../../evil.js', /escapes/],
    ['an absolute path', '/tmp/evil.js', /absolute/],
    ['a backslash', '..\\evil.js', /backslash/],
    ['a drive letter', 'C:/evil.js', /drive letter/],
  ])('refuses an entry with %s', async (_label, name, reason) => {
    const message = await expectRefusedUpload(buildRawZip([manifest, index, { name, content: 'x' }]), 422, 'INVALID_ARCHIVE');
    expect(message).toMatch(reason);
  });

  it('refuses a symbolic link', async () => {
    expect(
      await expectRefusedUpload(
        buildRawZip([manifest, index, { name: 'passwd', content: '/etc/passwd', unixMode: 0o120777 }]),
        422,
        'INVALID_ARCHIVE',
      ),
    ).toMatch(/symbolic link/);
  });

  it('refuses duplicate names, also case-only ones', async () => {
    expect(
      await expectRefusedUpload(buildRawZip([manifest, index, { name: 'index.js', content: 'again' }]), 422, 'INVALID_ARCHIVE'),
    ).toMatch(/duplicate/);
    expect(
      await expectRefusedUpload(buildRawZip([manifest, index, { name: 'INDEX.JS', content: 'again' }]), 422, 'INVALID_ARCHIVE'),
    ).toMatch(/duplicate/);
  });

  it('refuses encrypted entries and unsupported compression', async () => {
    expect(await expectRefusedUpload(buildRawZip([manifest, { ...index, flags: 1 }]), 422, 'INVALID_ARCHIVE')).toMatch(/encrypted/);
    expect(await expectRefusedUpload(buildRawZip([manifest, { ...index, method: 14 }]), 422, 'INVALID_ARCHIVE')).toMatch(
      /compression method 14/,
    );
  });

  it('stops a deflate bomb whose header lies about its size', async () => {
    const bomb = buildRawZip([manifest, index, { name: 'bomb.bin', content: Buffer.alloc(16 * 1024 * 1024), declaredSize: 1000 }]);
    expect(bomb.length).toBeLessThan(100 * 1024);
    await expectRefusedUpload(bomb, 422, 'INVALID_ARCHIVE');
  });

  it('refuses an archive that unpacks over the limit', async () => {
    const big = buildRawZip([manifest, index, { name: 'zeros.bin', content: Buffer.alloc(2 * 1024 * 1024) }]);
    expect(await expectRefusedUpload(big, 422, 'INVALID_ARCHIVE')).toMatch(/more than 1048576 bytes/);
  });

  it('refuses too many entries', async () => {
    const many = Array.from({ length: 30 }, (_, i) => ({ name: `f${i}.txt`, content: 'x' }));
    expect(await expectRefusedUpload(buildRawZip([manifest, index, ...many]), 422, 'INVALID_ARCHIVE')).toMatch(/at most 20/);
  });

  it('refuses a file that is not a ZIP', async () => {
    expect(await expectRefusedUpload(Buffer.from('definitely not a zip file\n'.repeat(10)), 422, 'INVALID_ARCHIVE')).toMatch(
      /not a valid ZIP/,
    );
  });

  it('refuses an archive without manifest.json', async () => {
    expect(await expectRefusedUpload(buildRawZip([index]), 422, 'INVALID_MANIFEST')).toMatch(/manifest.json: missing/);
  });

  it('refuses a broken manifest, naming every problem', async () => {
    const zip = buildRawZip([{ name: 'manifest.json', content: JSON.stringify({ name: 'Bad Name', version: 'one' }) }, index]);
    const response = await uploadZip(store, zip);
    expect(response.status).toBe(422);
    const body = (await response.json()) as { error: { code: string; message: string; details: { file: string; path: string }[] } };
    expect(body.error.code).toBe('INVALID_MANIFEST');
    expect(body.error.message).toContain('manifest.json: name:');
    expect(body.error.message).toContain('manifest.json: version: not a semver version');
    expect(body.error.details.map((d) => d.path)).toEqual(expect.arrayContaining(['name', 'version']));
    await expectRefusedUpload(buildRawZip([{ name: 'manifest.json', content: '{"name": "x",' }, index]), 422, 'INVALID_MANIFEST');
  });

  it('refuses a bad ui.yaml', async () => {
    const zip = buildRawZip([manifest, index, { name: 'ui.yaml', content: 'has_page: [oops\n' }]);
    expect(await expectRefusedUpload(zip, 422, 'INVALID_MANIFEST')).toMatch(/ui.yaml: not valid YAML/);
    const wrongTypes = buildRawZip([manifest, index, { name: 'ui.yaml', content: 'menu_order: first\n' }]);
    expect(await expectRefusedUpload(wrongTypes, 422, 'INVALID_MANIFEST')).toMatch(/ui.yaml: menu_order/);
  });

  it('cuts off an upload over the size limit with 413 while streaming', async () => {
    // Incompressible bytes, stored: the upload itself is 1.5 MiB, over the 1 MiB limit.
    const random = Buffer.from(Array.from({ length: 1536 * 1024 }, (_, i) => (i * 2654435761) >>> 24));
    const zip = buildRawZip([manifest, index, { name: 'noise.bin', content: random, method: 0 }]);
    await expectRefusedUpload(zip, 413, 'PAYLOAD_TOO_LARGE');
  });

  it('refuses an upload announced as too large before reading it', async () => {
    const before = await uploadFolders(store);
    const { request, response } = openRawUpload(store, 'multipart/form-data; boundary=x', 50 * 1024 * 1024);
    request.write('--x\r\n');
    const answer = await response;
    request.destroy();
    expect(answer.status).toBe(413);
    expect(answer.body.error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(await uploadFolders(store)).toEqual(before);
  });

  it('still accepts a good upload after refusing bad ones', async () => {
    await expectRefusedUpload(buildRawZip([index]), 422, 'INVALID_MANIFEST');
    await expectRefusedUpload(Buffer.from('definitely not a zip file\n'.repeat(10)), 422, 'INVALID_ARCHIVE');
    expect((await uploadZip(store, pluginZip('after_bad', '1.0.0'))).status).toBe(201);
  });
});
