/** How `npm start` prints its services' lines (scripts/service-output.mjs). */
export function lineFormatter(options: { colour: boolean }): Promise<(line: string) => string>;
export function prefixFor(name: string, width: number, colour: boolean): string;
export function relayLines(
  stream: NodeJS.ReadableStream,
  out: NodeJS.WritableStream,
  prefix: string,
  format: (line: string) => string,
): void;
export function readyLine(url: string, colour: boolean): string;
