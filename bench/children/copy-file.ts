// Baseline of the upload scenario: copy a file on the same disk, streamed as the store writes an
// upload (read stream -> write stream), in a fresh node process so its peak RSS is its own.
// argv: source destination. Prints one JSON line: ms, peak RSS (VmHWM) in MiB.
import { createReadStream, createWriteStream, readFileSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';

const [source, destination] = process.argv.slice(2);
const start = performance.now();
await pipeline(createReadStream(source!), createWriteStream(destination!));
const ms = performance.now() - start;
const hwmKb = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
console.log(JSON.stringify({ ms, hwmMb: Number(hwmKb) / 1024 }));
