/** How `npm start` prints its services' lines (scripts/service-output.mjs). */
export function lineFormatter(options: { colour: boolean; requests?: 'failed' | 'all' }): Promise<(line: string) => string | null>;
export function prefixFor(name: string, width: number, colour: boolean): string;
export function relayLines(
  stream: NodeJS.ReadableStream,
  out: NodeJS.WritableStream,
  prefix: string,
  format: (line: string) => string | null,
): void;
export function readyLine(url: string, colour: boolean): string;
