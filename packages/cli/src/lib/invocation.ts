import type { Output } from './output.js';

/**
 * What one run of the CLI sees of the world: the folder relative paths are resolved against, the
 * environment it reads its settings from, and where it writes. The real CLI passes its own process's;
 * tests run many invocations side by side in one process, each with its own.
 */
export interface Invocation {
  cwd: string;
  env: NodeJS.ProcessEnv;
  out: Output;
}
