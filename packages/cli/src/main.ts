// oko-plugin: the plugin author CLI. Parses arguments, runs one command, and turns every failure
// into one clear message and a documented exit code (see usage.ts).
import { createRequire } from 'node:module';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { devCommand } from './commands/dev.js';
import { importGithubCommand } from './commands/import-github.js';
import { initCommand } from './commands/init.js';
import { keygenCommand } from './commands/keygen.js';
import { packCommand } from './commands/pack.js';
import { publishCommand } from './commands/publish.js';
import { signCommand } from './commands/sign.js';
import { validateCommand } from './commands/validate.js';
import { verifyCommand } from './commands/verify.js';
import { readCliEnv, resolveStore } from './lib/config.js';
import { CliError, ExitCode, usageError } from './lib/errors.js';
import type { Invocation } from './lib/invocation.js';
import { processOutput } from './lib/output.js';
import { USAGE } from './usage.js';

export type { Invocation } from './lib/invocation.js';

type Options = NonNullable<ParseArgsConfig['options']>;
type Values = Record<string, string | undefined>;
/** A boolean option (`--ts`): parseArgs gives `true` for it, where Values types the string options. */
const isSet = (v: Values, name: string) => (v as Record<string, unknown>)[name] === true;
const storeOptions: Options = { store: { type: 'string' }, 'api-key': { type: 'string' }, token: { type: 'string' } };
const signOptions: Options = { key: { type: 'string' }, signer: { type: 'string' } };
const storeOf = (v: Values, ctx: Invocation) => resolveStore(v.store, v['api-key'], readCliEnv(ctx.env), v.token);

const commands: Record<
  string,
  {
    options: Options;
    args: number;
    /** Positional arguments that may follow the required ones (dev's DIR). */
    optionalArgs?: number;
    run: (args: string[], values: Values, ctx: Invocation) => Promise<void>;
  }
> = {
  init: {
    options: { dir: { type: 'string' }, ts: { type: 'boolean' } },
    args: 1,
    run: ([name], v, ctx) => initCommand(name!, { dir: v.dir, ts: isSet(v, 'ts') }, ctx),
  },
  dev: {
    options: { backend: { type: 'string' }, token: { type: 'string' }, lease: { type: 'string' } },
    args: 0,
    optionalArgs: 1,
    run: ([dir], v, ctx) => devCommand(dir, { backend: v.backend, token: v.token, lease: v.lease }, ctx),
  },
  validate: { options: {}, args: 1, run: ([target], _v, ctx) => validateCommand(target!, ctx) },
  pack: { options: { output: { type: 'string', short: 'o' } }, args: 1, run: ([dir], v, ctx) => packCommand(dir!, v.output, ctx) },
  publish: {
    options: { ...storeOptions, ...signOptions },
    args: 1,
    run: ([target], v, ctx) => publishCommand(target!, storeOf(v, ctx), ctx, { key: v.key, signer: v.signer }),
  },
  keygen: {
    options: { out: { type: 'string' }, name: { type: 'string' } },
    args: 0,
    run: (_args, v, ctx) => keygenCommand(v.out, v.name, ctx),
  },
  sign: { options: signOptions, args: 1, run: ([dir], v, ctx) => signCommand(dir!, v.key, v.signer, ctx) },
  verify: { options: { trust: { type: 'string' } }, args: 1, run: ([target], v, ctx) => verifyCommand(target!, v.trust, ctx) },
  'import-github': {
    options: { ...storeOptions, branch: { type: 'string' }, subdirectory: { type: 'string' } },
    args: 1,
    run: ([url], v, ctx) => importGithubCommand(url!, { branch: v.branch, subdirectory: v.subdirectory }, storeOf(v, ctx), ctx.out),
  },
};

function version(): string {
  return (createRequire(import.meta.url)('../package.json') as { version: string }).version;
}

/**
 * Runs one `oko-plugin` command and returns its exit code. Every part of the invocation left out is
 * this process's own (its folder, environment, stdout and stderr).
 */
export async function main(argv: string[], invocation: Partial<Invocation> = {}): Promise<ExitCode> {
  const ctx: Invocation = {
    cwd: invocation.cwd ?? process.cwd(),
    env: invocation.env ?? process.env,
    out: invocation.out ?? processOutput,
  };
  const { out } = ctx;
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    out.result(USAGE);
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
    const count = parsed.positionals.length;
    const most = command.args + (command.optionalArgs ?? 0);
    if (count < command.args || count > most) {
      const takes = most === command.args ? `${command.args}` : `${command.args} to ${most}`;
      throw usageError(`${name} takes ${takes} argument(s), got ${count}`);
    }
    await command.run(parsed.positionals, parsed.values as Values, ctx);
    return ExitCode.OK;
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    out.info(`error: ${error.message}`);
    for (const line of error.lines) out.info(line);
    return error.exitCode;
  }
}
