/** A stream a progress line draws on: on a terminal it redraws in place, elsewhere it prints whole lines. */
export interface TextStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

/**
 * Where the CLI writes. Results a script may capture go to stdout; progress and messages for the
 * person at the terminal go to stderr, so `ID=$(oko-plugin publish …)` captures only the id.
 */
export interface Output {
  result(line: string): void;
  info(line: string): void;
  stderr: TextStream;
}

export const processOutput: Output = {
  result: (line) => process.stdout.write(`${line}\n`),
  info: (line) => process.stderr.write(`${line}\n`),
  stderr: process.stderr,
};
