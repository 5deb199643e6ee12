import { execFileSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pluginUserFor, reachableRuntime, readableBy, type PluginUser } from './plugin-user.js';

const asRoot = process.getuid?.() === 0;
const nobody: PluginUser = { name: 'nobody', uid: 65534, gid: 65534 };

describe('the plugin user', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'oko-plugin-user-'));
    await writeFile(path.join(root, 'passwd'), 'root:x:0:0::/root:/bin/sh\nplugins:x:4242:4343::/nonexistent:/usr/sbin/nologin\n');
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it.runIf(asRoot)('is looked up in /etc/passwd when the backend is root', async () => {
    expect(await pluginUserFor('plugins', path.join(root, 'passwd'))).toEqual({ name: 'plugins', uid: 4242, gid: 4343 });
    await expect(pluginUserFor('ghost', path.join(root, 'passwd'))).rejects.toThrow(
      /the plugin user 'ghost' \(OKO_PLUGIN_USER\) is not in/,
    );
  });

  it.runIf(!asRoot)('is not used when the backend is not root', async () => {
    expect(await pluginUserFor('plugins', path.join(root, 'passwd'))).toBeUndefined();
  });

  it('cannot read a file below a folder closed to others', async () => {
    const closed = path.join(root, 'closed');
    await mkdir(path.join(closed, 'inner'), { recursive: true });
    await writeFile(path.join(closed, 'inner', 'file.js'), '');
    await chmod(root, 0o755);
    await chmod(closed, 0o755);
    expect(await readableBy(path.join(closed, 'inner', 'file.js'), nobody)).toBe(true);
    await chmod(closed, 0o700);
    expect(await readableBy(path.join(closed, 'inner', 'file.js'), nobody)).toBe(false);
  });

  it('gets a world-readable copy of a runtime it cannot reach, marked as ES modules', async () => {
    const runtime = path.join(root, 'private', 'plugin-runtime');
    await mkdir(runtime, { recursive: true });
    await writeFile(path.join(runtime, 'main.js'), "export const ok = 'runtime';\n");
    await chmod(path.join(root, 'private'), 0o700);
    const copy = await reachableRuntime(runtime, nobody);
    expect(path.dirname(copy)).toBe(tmpdir());
    expect(await readableBy(path.join(copy, 'main.js'), nobody)).toBe(true);
    expect(JSON.parse(await readFile(path.join(copy, 'package.json'), 'utf8'))).toEqual({ type: 'module' });
    expect((await stat(copy)).mode & 0o022).toBe(0);
    // the same content is copied once
    expect(await reachableRuntime(runtime, nobody)).toBe(copy);
    if (asRoot) {
      const run = `import(${JSON.stringify(path.join(copy, 'main.js'))}).then((m) => console.log(m.ok))`;
      expect(execFileSync(process.execPath, ['-e', run], { uid: nobody.uid, gid: nobody.gid, cwd: '/', encoding: 'utf8' }).trim()).toBe(
        'runtime',
      );
    }
    await rm(copy, { recursive: true, force: true });
  });
});
