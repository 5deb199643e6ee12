import { stat } from 'node:fs/promises';
import path from 'node:path';
import { DEV_LEASE_DEFAULT_S } from '@oko/shared';
import { resolveBackend } from '../lib/config.js';
import { DevApi } from '../lib/dev/dev-api.js';
import { DevSession } from '../lib/dev/session.js';
import { CliError, ExitCode, usageError } from '../lib/errors.js';
import type { Invocation } from '../lib/invocation.js';

export interface DevFlags {
  backend?: string;
  token?: string;
  lease?: string;
}

function leaseOf(flag: string | undefined): number {
  if (flag === undefined) return DEV_LEASE_DEFAULT_S;
  const seconds = Number(flag);
  if (!Number.isInteger(seconds) || seconds < 5 || seconds > 3600)
    throw usageError(`--lease: '${flag}' must be whole seconds from 5 to 3600`);
  return seconds;
}

/** Resolves on the first SIGINT or SIGTERM; a second one while removing ends the process at once. */
function interrupted(): Promise<string> {
  return new Promise((resolve) => {
    const handler = (signal: NodeJS.Signals) => {
      process.removeListener('SIGINT', handler);
      process.removeListener('SIGTERM', handler);
      process.once('SIGINT', () => process.exit(130));
      resolve(signal);
    };
    process.once('SIGINT', handler);
    process.once('SIGTERM', handler);
  });
}

/**
 * `oko-plugin dev [DIR] [--backend URL] [--token T] [--lease S]`: runs the plugin in a backend as a
 * development plugin, reloading it on every save, until Ctrl-C removes it.
 */
export async function devCommand(dir: string | undefined, flags: DevFlags, { cwd, env, out }: Invocation): Promise<void> {
  const backend = resolveBackend(flags.backend, flags.token, env);
  const leaseS = leaseOf(flags.lease);
  const folder = path.resolve(cwd, dir ?? '.');
  // A ZIP or a missing folder: there is nothing to watch (validate and publish take ZIPs, dev does not).
  if (!(await stat(folder).catch(() => null))?.isDirectory()) throw usageError(`dev takes a plugin folder: ${dir ?? '.'} is not one`);
  const session = new DevSession(new DevApi(backend), { dir: folder, leaseS }, { say: out.result, warn: out.info });
  // Listening before the first push: a Ctrl-C during it must still remove what it created.
  const stop = interrupted();
  out.info(`oko-plugin dev: ${folder} → ${backend.apiBase} (lease ${leaseS} s; Ctrl-C removes the plugin)`);
  try {
    await session.start();
  } catch (error) {
    await session.stop();
    throw error;
  }
  await stop;
  const result = await session.stop();
  if (!result.removed) throw new CliError(ExitCode.BACKEND, result.message);
  out.result(result.message);
}
