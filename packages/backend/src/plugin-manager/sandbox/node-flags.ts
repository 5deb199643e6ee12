/**
 * The Node flags a plugin's process starts with. The permission model denies child processes,
 * worker threads, native addons, WASI and the inspector unless an --allow-* flag grants them, and
 * none is ever passed; file access is the repeated --allow-fs-read/--allow-fs-write flags (one
 * path per flag: the comma-separated form is refused on Node 20).
 */
export interface SandboxFlags {
  readPaths: readonly string[];
  writePaths: readonly string[];
  /** V8 old-generation limit (OKO_PLUGIN_MEMORY_MB). */
  memoryMb: number;
}

/** `--permission` from Node 22.13 on (it left experimental there), `--experimental-permission` before. */
export function permissionFlag(nodeVersion: string = process.versions.node): string {
  const [major = 0, minor = 0] = nodeVersion.split('.').map(Number);
  return major > 22 || (major === 22 && minor >= 13) ? '--permission' : '--experimental-permission';
}

export function sandboxFlags(flags: SandboxFlags, nodeVersion: string = process.versions.node): string[] {
  const unique = (paths: readonly string[]) => [...new Set(paths)];
  return [
    permissionFlag(nodeVersion),
    // Node 20 warns on every start that the permission model is experimental: noise in the plugin's log.
    '--disable-warning=ExperimentalWarning',
    `--max-old-space-size=${flags.memoryMb}`,
    ...unique(flags.readPaths).map((entry) => `--allow-fs-read=${entry}`),
    ...unique(flags.writePaths).map((entry) => `--allow-fs-write=${entry}`),
  ];
}
