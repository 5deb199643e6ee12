// A tiny JSON file store kept in the plugin's own data folder (ctx.dataDir).
// Writes go to a temp file that is renamed into place, so a crash never leaves half a file,
// and updates run one at a time so two requests never interleave their read-change-write.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

export function jsonFile(file, fallback) {
  let queue = Promise.resolve();

  async function read() {
    try {
      return JSON.parse(await readFile(file, 'utf8'));
    } catch (error) {
      if (error.code === 'ENOENT') return structuredClone(fallback);
      throw new Error(`${path.basename(file)} is unreadable: ${error.message}`, { cause: error });
    }
  }

  async function persist(data) {
    await mkdir(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(data, null, 2));
    await rename(tmp, file);
  }

  /** Runs `change(data)` on the current content and saves what it leaves; answers its result. */
  function update(change) {
    const run = queue.then(async () => {
      const data = await read();
      const result = await change(data);
      await persist(data);
      return result;
    });
    queue = run.catch(() => {});
    return run;
  }

  return { read, update };
}
