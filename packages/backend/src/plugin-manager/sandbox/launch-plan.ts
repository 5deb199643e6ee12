import { mkdir, realpath } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BackendConfig } from '../../config.js';
import type { GuardPolicy } from '../../plugin-runtime/guards/index.js';
import type { PluginGrant } from '../plugin-grant.js';
import { readAllowList, procZones } from './allow-list.js';
import type { HostSpawn } from './child.js';
import { buildGuardPolicy } from './guard-policy.js';
import { sandboxFlags } from './node-flags.js';
import { giveTo, pluginUserFor, reachableRuntime, readableBy, type PluginUser } from './plugin-user.js';

// Under the test runner this module is TypeScript source, which a plugin's process (plain node)
// cannot run; the built runtime in dist/ is the same code (tests build first).
const RUNTIME_DIR = fileURLToPath(
  import.meta.url.endsWith('.ts')
    ? new URL('../../../dist/plugin-runtime', import.meta.url)
    : new URL('../../plugin-runtime', import.meta.url),
);

export interface LaunchPlan {
  spawn: HostSpawn;
  policy: GuardPolicy;
}

export interface PlanInput {
  id: string;
  pluginDir: string;
  mainFile: string;
  dataDir: string;
  grant: PluginGrant;
  /** The ports the backend listens on now. */
  ownPorts: readonly number[];
}

interface Runtime {
  user?: PluginUser;
  dir: string;
}
const runtimes = new WeakMap<BackendConfig, Promise<Runtime>>();

/**
 * Which user plugins run as and where the runtime is read from: checked once per backend (the
 * first load), so a broken setup is one clear load error instead of a process that cannot start.
 */
function runtimeFor(config: BackendConfig): Promise<Runtime> {
  let runtime = runtimes.get(config);
  if (!runtime) {
    runtime = (async () => {
      const user = await pluginUserFor(config.pluginUser);
      return { user, dir: user ? await reachableRuntime(RUNTIME_DIR, user) : RUNTIME_DIR };
    })();
    // A failure is not remembered: fixing the setup and loading again must work without a restart.
    runtime.catch(() => runtimes.delete(config));
    runtimes.set(config, runtime);
  }
  return runtime;
}

/** Everything a plugin's process starts with, computed from its grant (docs/architecture.md#sandbox). */
export async function planLaunch(input: PlanInput, config: BackendConfig): Promise<LaunchPlan> {
  const runtime = await runtimeFor(config);
  await mkdir(input.dataDir, { recursive: true });
  if (runtime.user) await prepareForUser(input, runtime.user);
  // The module loader reads the real path of the plugin's files; the path as given is granted too.
  const pluginDirs = [input.pluginDir, await realpath(input.pluginDir)];
  const zones = [config.dataDir, config.pluginsDir, config.devPluginsDir, ...(config.builtinPluginsDir ? [config.builtinPluginsDir] : [])];
  const declared = await readAllowList(input.grant.permissions.read, [...zones, ...config.pluginDeniedPaths, ...(await procZones())]);
  const execArgv = sandboxFlags({
    readPaths: [runtime.dir, ...pluginDirs, input.dataDir, ...declared],
    writePaths: [input.dataDir],
    memoryMb: config.pluginMemoryMb,
  });
  const policy = await buildGuardPolicy({
    permissions: input.grant.permissions,
    pluginDir: input.pluginDir,
    dataDir: input.dataDir,
    ownPorts: input.ownPorts,
    storeUrl: config.storeUrl,
  });
  return {
    spawn: { entry: path.join(runtime.dir, 'main.js'), execArgv, env: freshEnv(input.grant.env), cwd: input.dataDir, user: runtime.user },
    policy,
  };
}

/**
 * The process's whole environment: the values an admin entered for the plugin, nothing of the
 * backend's. NODE_* names are left out whatever was entered: NODE_OPTIONS could carry flags
 * that undo the sandbox.
 */
export function freshEnv(values: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).filter(([name]) => !name.toUpperCase().startsWith('NODE_')));
}

/** As root, the plugin runs as `user`: its data folder becomes that user's, and its code must be readable by it. */
async function prepareForUser(input: PlanInput, user: PluginUser): Promise<void> {
  for (const target of [input.pluginDir, input.mainFile]) {
    if (!(await readableBy(target, user))) {
      throw new Error(
        `the plugin user '${user.name}' cannot read ${target}: make the folder ${input.pluginDir} and its parents readable by it (e.g. chmod o+rx)`,
      );
    }
  }
  await giveTo(input.dataDir, user);
  if (!(await readableBy(input.dataDir, user))) {
    throw new Error(`the plugin user '${user.name}' cannot reach the data folder ${input.dataDir}: make its parents reachable (chmod o+x)`);
  }
}
