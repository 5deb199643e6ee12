/**
 * Exit codes of `oko-plugin`, documented in its help and in README. Scripts and CI switch on
 * them, so they stay stable: 1 is "fix your input or your plugin", 2 is "the store (or, for
 * `dev`, the dashboard backend) said no or could not be reached".
 */
export const ExitCode = {
  OK: 0,
  INVALID: 1,
  STORE: 2,
  BACKEND: 2,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** A failure the CLI explains in one line and ends with the given exit code. */
export class CliError extends Error {
  readonly exitCode: ExitCode;
  /** Extra lines printed under the message, e.g. each validation problem. */
  readonly lines: readonly string[];

  constructor(exitCode: ExitCode, message: string, lines: readonly string[] = []) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
    this.lines = lines;
  }
}

export const usageError = (message: string) => new CliError(ExitCode.INVALID, `${message} (see oko-plugin --help)`);
