// A closed-loop load from autocannon, in a fresh process: argv[2] is its options as JSON. Runs for
// its duration or until its stdin ends, then prints one JSON line of LoadFigures. A process of its
// own so the load generator carries none of the bench's history: run from the bench's process,
// after it had packed and uploaded the 1,000-plugin catalog, the same store measured 0.76x the bare
// route's answers per CPU-second, and 0.97x from a fresh process (quiet machine).
import autocannon, { type Options } from 'autocannon';
import { figuresOf } from '../lib/load.js';

const options = JSON.parse(process.argv[2]!) as Options;
const instance = autocannon({ timeout: 30, ...options }, (error, result) => {
  if (error) throw error;
  process.stdout.write(`${JSON.stringify(figuresOf(result))}\n`);
  process.exit(0);
});
process.stdin.on('end', () => instance.stop());
process.stdin.resume();
