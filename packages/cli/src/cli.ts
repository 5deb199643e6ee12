#!/usr/bin/env node
// oko-plugin: the plugin author CLI. Parses arguments, runs one command, and turns every failure
// into one clear message and a documented exit code (see usage.ts).
import { createRequire } from 'node:module';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { importGithubCommand } from './commands/import-github.js';
import { initCommand } from './commands/init.js';
import { packCommand } from './commands/pack.js';
import { publishCommand } from './commands/publish.js';
import { validateCommand } from './commands/validate.js';
import { readCliEnv, resolveStore } from './lib/config.js';
import { CliError, ExitCode, usageError } from './lib/errors.js';
import { processOutput, type Output } from './lib/output.js';
import { USAGE } from './usage.js';

type Options = NonNullable<ParseArgsConfig['options']>;
const storeOptions: Options = { store: { type: 'string' }, 'api-key': { type: 'string' } };

const commands: Record<
  string,
  { options: Options; args: number; run: (args: string[], values: Record<string, string | undefined>, out: Output) => Promise<void> }
> = {
  init: { options: { dir: { type: 'string' } }, args: 1, run: ([name], v, out) => initCommand(name!, v.dir, out) },
  validate: { options: {}, args: 1, run: ([target], _v, out) => validateCommand(target!, out) },
  pack: { options: { output: { type: 'string', short: 'o' } }, args: 1, run: ([dir], v, out) => packCommand(dir!, v.output, out) },
  publish: {
    options: storeOptions,
    args: 1,
    run: ([target], v, out) => publishCommand(target!, resolveStore(v.store, v['api-key'], readCliEnv()), out),
  },
  'import-github': {
    options: { ...storeOptions, branch: { type: 'string' }, subdirectory: { type: 'string' } },
    args: 1,
    run: ([url], v, out) =>
      importGithubCommand(url!, { branch: v.branch, subdirectory: v.subdirectory }, resolveStore(v.store, v['api-key'], readCliEnv()), out),
  },
};

function version(): string {
  return (createRequire(import.meta.url)('../package.json') as { version: string }).version;
}

export async function main(argv: string[], out: Output = processOutput): Promise<ExitCode> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(USAGE);
    return name === undefined ? ExitCode.INVALID : ExitCode.OK;
  }
  if (name === '--version' || name === '-v') {
    out.result(version());
    return ExitCode.OK;
  }
  try {
    const command = commands[name];
    if (!command) throw usageError(`unknown command '${name}'`);
    let parsed: ReturnType<typeof parseArgs>;
    try {
      parsed = parseArgs({ args: rest, options: command.options, allowPositionals: true, strict: true });
    } catch (error) {
      throw usageError(`${name}: ${(error as Error).message}`);
    }
    if (parsed.positionals.length !== command.args)
      throw usageError(`${name} takes ${command.args} argument(s), got ${parsed.positionals.length}`);
    await command.run(parsed.positionals, parsed.values as Record<string, string | undefined>, out);
    return ExitCode.OK;
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    out.info(`error: ${error.message}`);
    for (const line of error.lines) out.info(line);
    return error.exitCode;
  }
}

process.exitCode = await main(process.argv.slice(2));
