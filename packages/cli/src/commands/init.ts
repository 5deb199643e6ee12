import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PLUGIN_NAME_PATTERN, isValidPluginName } from '@oko/shared';
import { CliError, ExitCode } from '../lib/errors.js';
import type { Invocation } from '../lib/invocation.js';
import { scaffoldFiles } from '../lib/templates.js';

/** `oko-plugin init <name> [--dir DIR] [--ts]`: a new plugin folder, never over an existing one's files. */
export async function initCommand(name: string, { dir, ts }: { dir?: string; ts?: boolean }, { cwd, out }: Invocation): Promise<void> {
  if (!isValidPluginName(name)) {
    throw new CliError(
      ExitCode.INVALID,
      `'${name}' is not a valid plugin name: lower case letters, digits and _, 2 to 64 characters, starting with a letter (${PLUGIN_NAME_PATTERN})`,
    );
  }
  const target = path.resolve(cwd, dir ?? name);
  const existing = await readdir(target).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    if (error.code === 'ENOTDIR') throw new CliError(ExitCode.INVALID, `${target} exists and is not a folder`);
    throw error;
  });
  if (existing.length > 0) throw new CliError(ExitCode.INVALID, `${target} is not empty; choose a new folder (nothing was written)`);

  const files = scaffoldFiles(name, { ts });
  for (const [relative, content] of Object.entries(files)) {
    const file = path.join(target, relative);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, content, { flag: 'wx' });
  }
  out.info(`created plugin ${name} in ${target}:`);
  for (const relative of Object.keys(files)) out.info(`  ${relative}`);
  const folder = path.relative(cwd, target) || '.';
  out.info(
    ts
      ? `next: cd ${folder} && npm install && oko-plugin dev . (builds with tsc on every save)`
      : `next: cd ${folder} && npm test && oko-plugin dev . (or: oko-plugin validate .)`,
  );
  out.result(target);
}
