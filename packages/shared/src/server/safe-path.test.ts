import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findFileInside } from './safe-path.js';

let base: string;
let root: string;

beforeAll(async () => {
  base = await realpath(await mkdtemp(path.join(os.tmpdir(), 'oko-safe-path-')));
  root = path.join(base, 'static');
  await mkdir(path.join(root, 'css'), { recursive: true });
  await writeFile(path.join(root, 'css', 'app.css'), 'body {}');
  await writeFile(path.join(base, 'secret.txt'), 'not for the web');
  await symlink(path.join(base, 'secret.txt'), path.join(root, 'leak.txt'));
  await symlink(path.join(root, 'css', 'app.css'), path.join(root, 'alias.css'));
});
afterAll(() => rm(base, { recursive: true, force: true }));

describe('findFileInside', () => {
  it('finds a file inside the folder', async () => {
    expect(await findFileInside(root, 'css/app.css')).toBe(path.join(root, 'css', 'app.css'));
  });

  it('answers null for a file that does not exist', async () => {
    expect(await findFileInside(root, 'css/missing.css')).toBeNull();
  });

  it('refuses a path that climbs out with ../', async () => {
    expect(await findFileInside(root, '../secret.txt')).toBeNull();
    expect(await findFileInside(root, 'css/../../secret.txt')).toBeNull();
  });

  it('refuses an absolute path', async () => {
    expect(await findFileInside(root, path.join(base, 'secret.txt'))).toBeNull();
  });

  it('refuses a symlink that points out of the folder', async () => {
    expect(await findFileInside(root, 'leak.txt')).toBeNull();
  });

  it('follows a symlink that stays inside, to its real file', async () => {
    expect(await findFileInside(root, 'alias.css')).toBe(path.join(root, 'css', 'app.css'));
  });
});
