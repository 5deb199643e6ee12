/** How `npm start` prints its services' lines (scripts/service-output.mjs). */
<<<<<<< HEAD
export function lineFormatter(options: { colour: boolean }): Promise<(line: string) => string>;
=======
export function lineFormatter(options: { colour: boolean; requests?: 'failed' | 'all' }): Promise<(line: string) => string | null>;
>>>>>>> uiwalk16
export function prefixFor(name: string, width: number, colour: boolean): string;
export function relayLines(
  stream: NodeJS.ReadableStream,
  out: NodeJS.WritableStream,
  prefix: string,
<<<<<<< HEAD
  format: (line: string) => string,
=======
  format: (line: string) => string | null,
>>>>>>> uiwalk16
): void;
export function readyLine(url: string, colour: boolean): string;
