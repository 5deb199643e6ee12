import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { hashFiles } from '@oko/shared/archive';
import { describe, expect, it } from 'vitest';
import { removeDir, tempDir } from '../../../../test-support/fixtures.js';
import { hashFolderFiles } from './hash-folder.js';

describe('hashFolderFiles', () => {
  it('gives the digests hashFiles gives, for small files read whole and a large one streamed; refuses a path leaving the folder', async () => {
    const dir = await tempDir('hash-folder');
    try {
      await mkdir(path.join(dir, 'lib'));
      await writeFile(path.join(dir, 'empty.js'), '');
      await writeFile(path.join(dir, 'lib', 'small.js'), 'export const a = 1;\n');
      await writeFile(path.join(dir, 'big.bin'), Buffer.alloc(3 * 1024 * 1024 + 7, 7));
      await writeFile(path.join(dir, '__proto__'), 'x');
      const paths = ['__proto__', 'big.bin', 'empty.js', 'lib/small.js'];
      expect({ ...(await hashFolderFiles(dir, paths)) }).toEqual({ ...(await hashFiles(dir, paths)) });
      await expect(hashFolderFiles(dir, ['../outside'])).rejects.toThrow();
    } finally {
      await removeDir(dir);
    }
  });
});
