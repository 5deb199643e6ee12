import { createHash } from 'node:crypto';
import { chmod, cp, lchown, mkdtemp, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** The unprivileged account plugin processes run as when the backend runs as root. */
export interface PluginUser {
  name: string;
  uid: number;
  gid: number;
}

/** `name`'s uid and gid from /etc/passwd, or undefined when the backend is not root (then plugins run as the backend's user). */
export async function pluginUserFor(name: string, passwdFile = '/etc/passwd'): Promise<PluginUser | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const passwd = await readFile(passwdFile, 'utf8').catch(() => '');
  for (const line of passwd.split('\n')) {
    const [user, , uid, gid] = line.split(':');
    if (user === name && uid !== undefined && gid !== undefined) return { name, uid: Number(uid), gid: Number(gid) };
  }
  throw new Error(`the plugin user '${name}' (OKO_PLUGIN_USER) is not in ${passwdFile}; plugins do not run as root`);
}

/** Whether `user` may read `target` (and, for a folder, list it): every parent folder must let it through. */
export async function readableBy(target: string, user: PluginUser): Promise<boolean> {
  const allows = (info: { uid: number; gid: number; mode: number }, bits: number) => {
    const shift = info.uid === user.uid ? 6 : info.gid === user.gid ? 3 : 0;
    return ((info.mode >> shift) & bits) === bits;
  };
  const full = path.resolve(target);
  const parts = full.split(path.sep).filter(Boolean);
  for (let i = 0; i < parts.length; i++) {
    const parent = path.sep + parts.slice(0, i).join(path.sep);
    const info = await stat(parent).catch(() => undefined);
    if (!info || !allows(info, 1)) return false;
  }
  const info = await stat(full).catch(() => undefined);
  if (!info) return false;
  return allows(info, info.isDirectory() ? 5 : 4);
}

/** Gives the plugin's data folder, and everything in it, to the plugin user. */
export async function giveTo(dir: string, user: PluginUser): Promise<void> {
  // lchown: a symlink in the folder is given itself, never its target (which could be any file).
  await lchown(dir, user.uid, user.gid);
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    await lchown(path.join(entry.parentPath, entry.name), user.uid, user.gid);
  }
}

/**
 * The runtime folder the plugin user can read. A checkout under a private folder (a clone in
 * /root) is not reachable by it, so the runtime is copied to a world-readable folder in the
 * system's temp folder, named by its content. A folder of that name someone else made (the temp
 * folder is shared) is never used: a fresh one is made instead.
 */
export async function reachableRuntime(runtimeDir: string, user: PluginUser): Promise<string> {
  if (await readableBy(path.join(runtimeDir, 'main.js'), user)) return runtimeDir;
  const hash = await contentHash(runtimeDir);
  const target = path.join(os.tmpdir(), `oko-plugin-runtime-${hash}`);
  const existing = await stat(target).catch(() => undefined);
  if (existing && existing.uid === process.getuid?.() && (existing.mode & 0o022) === 0) return target;
  const staging = await mkdtemp(path.join(os.tmpdir(), 'oko-plugin-runtime-'));
  await cp(runtimeDir, staging, { recursive: true });
  // The copy is not beside the backend's package.json, which makes its .js files ES modules.
  await writeFile(path.join(staging, 'package.json'), '{ "type": "module" }\n');
  for (const entry of await readdir(staging, { withFileTypes: true, recursive: true })) {
    await chmod(path.join(entry.parentPath, entry.name), entry.isDirectory() ? 0o755 : 0o644);
  }
  await chmod(staging, 0o755);
  if (existing) return staging;
  return rename(staging, target).then(
    () => target,
    () => staging, // another backend made it meanwhile; this copy serves as well
  );
}

async function contentHash(dir: string): Promise<string> {
  const hash = createHash('sha256');
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  const files = entries.filter((entry) => entry.isFile()).map((entry) => path.join(entry.parentPath, entry.name));
  for (const file of files.sort()) hash.update(path.relative(dir, file)).update(await readFile(file));
  return hash.digest('hex').slice(0, 16);
}
