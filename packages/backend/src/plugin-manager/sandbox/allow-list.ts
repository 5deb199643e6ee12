import { readdir, readlink, realpath } from 'node:fs/promises';
import path from 'node:path';

/**
 * The folders and files a plugin's process may read: every declared `read` path, minus the zones
 * no declaration reaches (other plugins' folders, the backend's and the store's data, other
 * processes' /proc entries). Node's permission model grants whole subtrees, so a declared path
 * that contains a zone is replaced by its entries, each checked the same way; a path inside a
 * zone is dropped. The plugin's own folders are granted beside this list, not through it.
 */
export async function readAllowList(declared: readonly string[], zones: readonly string[]): Promise<string[]> {
  const resolvedZones = await withRealPaths(zones);
  const allowed = new Set<string>();
  for (const entry of declared) {
    for (const match of await wildcardMatches(path.resolve(entry))) await expand(match, resolvedZones, allowed);
  }
  return [...allowed];
}

/**
 * Node reads `*` in an --allow-fs-read path as "anything from here on" (`/e*` grants /etc), past
 * any zone. So a declared path with a `*` becomes the entries its text before the `*` starts,
 * each then checked like a declared path, and no `*` ever reaches a flag.
 */
async function wildcardMatches(declared: string): Promise<string[]> {
  const star = declared.indexOf('*');
  if (star === -1) return [declared];
  const prefix = declared.slice(0, star);
  const dir = prefix.endsWith(path.sep) ? prefix : path.dirname(prefix);
  const start = prefix.endsWith(path.sep) ? '' : path.basename(prefix);
  const names = await readdir(dir).catch(() => [] as string[]);
  return names.filter((name) => name.startsWith(start)).map((name) => path.join(dir, name));
}

const isWithin = (inner: string, outer: string) => inner === outer || inner.startsWith(outer.endsWith(path.sep) ? outer : outer + path.sep);

/**
 * A path and, when it differs, where it really leads. /proc is taken as written: its links
 * (/proc/self, /proc/self/root) resolve to the backend's own process here, not the plugin's.
 */
async function formsOf(candidate: string): Promise<string[]> {
  if (isWithin(candidate, '/proc')) return [candidate];
  const real = await realpath(candidate).catch(() => candidate);
  return real === candidate ? [candidate] : [candidate, real];
}

async function expand(candidate: string, zones: readonly string[], allowed: Set<string>): Promise<void> {
  // A file named with a `*` (anyone may make one in /tmp) would be a wildcard in the flag.
  if (candidate.includes('*')) return;
  // A symlink is followed by the kernel after Node checked the path it was given, so both the
  // path and what it points at must stay clear of every zone.
  const forms = await formsOf(candidate);
  if (forms.some((form) => zones.some((zone) => isWithin(form, zone)))) return;
  if (!forms.some((form) => zones.some((zone) => isWithin(zone, form)))) {
    allowed.add(candidate);
    return;
  }
  const entries = await readdir(candidate).catch(() => [] as string[]);
  for (const name of entries) await expand(path.join(candidate, name), zones, allowed);
}

/** Each zone as given and as its real path, so a zone reached through a symlinked parent still counts. */
async function withRealPaths(zones: readonly string[]): Promise<string[]> {
  const all = new Set<string>();
  for (const zone of zones) for (const form of await formsOf(path.resolve(zone))) all.add(form);
  return [...all];
}

/**
 * /proc entries a plugin never reads: every process's own folder (/proc/<pid>/environ holds the
 * backend's secrets), and the links under /proc/self that lead back out to the whole file system
 * (`root`, `cwd`, `exe`, `fd`, `map_files`, and `task`, which repeats them per thread). A plugin
 * that declares /proc reads its own process through /proc/self, whose other entries stay readable.
 * The links of /dev into /proc (below) are zones for the same reason.
 */
export async function procZones(procDir = '/proc', devDir = '/dev'): Promise<string[]> {
  const names = await readdir(procDir).catch(() => [] as string[]);
  const self = ['root', 'cwd', 'exe', 'fd', 'map_files', 'task'].map((name) => path.join(procDir, 'self', name));
  const pids = names.filter((name) => /^\d+$/.test(name)).map((name) => path.join(procDir, name));
  return [...pids, path.join(procDir, 'thread-self'), ...self, ...(await linksInto(devDir, procDir))];
}

/**
 * Links such as /dev/fd (to /proc/self/fd) and /dev/stdin: Node checks the path as written, with
 * `..` taken away first, so `/dev/fd/../root/etc/passwd` passes as `/dev/root/etc/passwd` under
 * a granted /dev while the kernel follows the link up into /proc/self/root. Such links are zones.
 */
async function linksInto(dir: string, procDir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const links: string[] = [];
  for (const entry of entries.filter((item) => item.isSymbolicLink())) {
    const target = await readlink(path.join(dir, entry.name)).catch(() => '');
    if (target && isWithin(path.resolve(dir, target), procDir)) links.push(path.join(dir, entry.name));
  }
  return links;
}
