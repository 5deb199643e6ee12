import { mkdir, readFile, rename } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import { isValidPluginName } from '@oko/shared';
import { writeFileAtomic } from '@oko/shared/server';

/** What survives a restart: which plugins the user disabled and which were running. */
export interface PersistedStates {
  disabled: Set<string>;
  active: Set<string>;
}

const FILE = 'plugin-states.json';

/** Owns OKO_DATA_DIR/plugin-states.json. Writes are serialised and crash-safe. */
export class PluginStateStore {
  private readonly file: string;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    dataDir: string,
    private readonly log: FastifyBaseLogger,
  ) {
    this.file = path.join(dataDir, FILE);
  }

  async read(): Promise<PersistedStates> {
    const empty = { disabled: new Set<string>(), active: new Set<string>() };
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return empty;
      throw error;
    }
    try {
      const data = JSON.parse(text) as { disabled?: unknown; active?: unknown };
      const ids = (value: unknown) =>
        new Set(Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string' && isValidPluginName(v)) : []);
      return { disabled: ids(data.disabled), active: ids(data.active) };
    } catch {
      // Atomic writes make this unlikely; keep the bad file for a human instead of overwriting it.
      const kept = `${this.file}.corrupt-${Date.now()}`;
      await rename(this.file, kept);
      this.log.error({ file: kept }, 'plugin states file was corrupt; starting with no plugin disabled or active');
      return empty;
    }
  }

  save(states: PersistedStates): Promise<void> {
    const text = JSON.stringify({ version: 1, disabled: [...states.disabled].sort(), active: [...states.active].sort() }, null, 2);
    const write = async () => {
      await mkdir(path.dirname(this.file), { recursive: true });
      await writeFileAtomic(this.file, `${text}\n`);
    };
    this.writing = this.writing.then(write, write);
    return this.writing;
  }
}
