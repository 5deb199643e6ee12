import { mkdir, readFile, rename } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import { isValidPluginName, type PluginErrorInfo } from '@oko/shared';
import { writeFileAtomic } from '@oko/shared/server';
import { Type } from 'typebox';
import { Value } from 'typebox/value';

/** What survives a restart: which plugins the user disabled, which were running, which crashed. */
export interface PersistedStates {
  disabled: Set<string>;
  active: Set<string>;
  /** Disabled plugins that were active (or waiting to restart) when disabled: Enable loads them again. */
  resumeOnEnable: Set<string>;
  /**
   * The plugin being loaded again after a restart, saved before its load starts and cleared once
   * it ends: if the backend dies meanwhile, the next start finds it here and does not load it again.
   */
  restoring?: string;
  /** Plugins that crashed too often, with the reason: they stay in error across restarts until loaded. */
  quarantined: Map<string, PluginErrorInfo>;
  /**
   * When each plugin died lately (ms since the epoch). A plugin restarting after a crash is in
   * `active`, so a restart of the backend loads it again, and its deaths still count.
   */
  crashes: Map<string, number[]>;
}

export function emptyStates(): PersistedStates {
  return { disabled: new Set(), active: new Set(), resumeOnEnable: new Set(), quarantined: new Map(), crashes: new Map() };
}

const FILE = 'plugin-states.json';
/** The last copy written, read when the main file is corrupt. */
const BACKUP = `${FILE}.bak`;

const StatesFile = Type.Object({
  disabled: Type.Array(Type.String()),
  active: Type.Array(Type.String()),
  active_before_disable: Type.Optional(Type.Array(Type.String())),
  restoring: Type.Optional(Type.String()),
  quarantined: Type.Optional(Type.Record(Type.String(), Type.Object({ reason: Type.String(), at: Type.String() }))),
  crashes: Type.Optional(Type.Record(Type.String(), Type.Array(Type.Number()))),
});

/**
 * Owns OKO_DATA_DIR/plugin-states.json and its last good copy, plugin-states.json.bak. Writes are
 * serialised and crash-safe; each goes to both files, so a main file broken later (a bad hand edit,
 * a disk fault) still leaves the user's disabled set readable.
 */
export class PluginStateStore {
  private readonly file: string;
  private readonly backup: string;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    dataDir: string,
    private readonly log: FastifyBaseLogger,
  ) {
    this.file = path.join(dataDir, FILE);
    this.backup = path.join(dataDir, BACKUP);
  }

  /** The saved states; a corrupt main file is kept aside and the last good copy read instead. */
  async read(): Promise<PersistedStates> {
    const main = await this.parse(this.file);
    if (main !== 'corrupt') return main ?? emptyStates();
    // Atomic writes make this unlikely; keep the bad file for a human instead of overwriting it.
    const kept = `${this.file}.corrupt-${Date.now()}`;
    await rename(this.file, kept);
    const backup = await this.parse(this.backup);
    if (backup && backup !== 'corrupt') {
      this.log.error({ file: kept }, `plugin states file was corrupt; read its last good copy ${BACKUP} instead`);
      // The main file is written again at once, so the next start reads it, not the copy.
      await this.save(backup);
      return backup;
    }
    this.log.error(
      { file: kept },
      `plugin states file was corrupt and ${BACKUP} is missing or corrupt too; starting with no plugin disabled or active`,
    );
    return emptyStates();
  }

  save(states: PersistedStates): Promise<void> {
    const data: Record<string, unknown> = { version: 1, disabled: [...states.disabled].sort(), active: [...states.active].sort() };
    if (states.resumeOnEnable.size > 0) data.active_before_disable = [...states.resumeOnEnable].sort();
    if (states.restoring !== undefined) data.restoring = states.restoring;
    // Written only when there is something, so the file stays as it was for plugins that never crashed.
    if (states.quarantined.size > 0) data.quarantined = Object.fromEntries([...states.quarantined].sort(byId));
    if (states.crashes.size > 0) data.crashes = Object.fromEntries([...states.crashes].sort(byId));
    const text = `${JSON.stringify(data, null, 2)}\n`;
    const write = async () => {
      await mkdir(path.dirname(this.file), { recursive: true });
      await writeFileAtomic(this.file, text);
      await writeFileAtomic(this.backup, text);
    };
    this.writing = this.writing.then(write, write);
    return this.writing;
  }

  /** undefined: no such file; 'corrupt': not JSON or not the shape written by save(). */
  private async parse(file: string): Promise<PersistedStates | undefined | 'corrupt'> {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch {
      return 'corrupt';
    }
    if (!Value.Check(StatesFile, data)) return 'corrupt';
    // Ids that are not plugin names are left out one by one: they can name no folder anyway.
    const ids = (values: string[]) => new Set(values.filter((id) => isValidPluginName(id)));
    const states: PersistedStates = {
      ...emptyStates(),
      disabled: ids(data.disabled),
      active: ids(data.active),
      resumeOnEnable: ids(data.active_before_disable ?? []),
    };
    if (data.restoring !== undefined && isValidPluginName(data.restoring)) states.restoring = data.restoring;
    for (const [id, info] of Object.entries(data.quarantined ?? {})) if (isValidPluginName(id)) states.quarantined.set(id, info);
    for (const [id, deaths] of Object.entries(data.crashes ?? {})) if (isValidPluginName(id)) states.crashes.set(id, deaths);
    return states;
  }
}

const byId = (a: [string, unknown], b: [string, unknown]) => a[0].localeCompare(b[0]);
