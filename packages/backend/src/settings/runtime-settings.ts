import { mkdir, readFile, rename } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import { RuntimeSettings, RuntimeSettingsUpdate } from '@oko/shared';
import { writeFileAtomic } from '@oko/shared/server';
import { Compile } from 'typebox/compile';
import { Value } from 'typebox/value';

export const SETTINGS_FILE = 'settings.json';
const DEFAULTS: RuntimeSettings = { custom_bundles_enabled: true };
const update = Compile(RuntimeSettingsUpdate);

/**
 * Why `body` is no settings change, or undefined. Checked before the route's schema, which would
 * drop an unknown field silently: a misspelt setting must not answer 200 and change nothing.
 */
export function settingsChangeProblem(body: unknown): string | undefined {
  const known = Object.keys(RuntimeSettings.properties).join(', ');
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return `body must be an object of settings (${known})`;
  const unknown = Object.keys(body).filter((key) => !Object.hasOwn(RuntimeSettings.properties, key));
  if (unknown.length > 0) return `body has unknown settings: ${unknown.map((key) => key.slice(0, 60)).join(', ')} (known: ${known})`;
  if (update.Check(body)) return undefined;
  const first = update.Errors(body)[0];
  return `body${first?.instancePath ?? ''} ${first?.message ?? 'is not a settings change'}`;
}

/**
 * OKO_DATA_DIR/settings.json: what an admin changes at run time for every browser at once (the
 * custom-bundle kill switch). Read once at start; each change is written atomically before it is
 * answered, one at a time.
 */
export class RuntimeSettingsStore {
  private current: RuntimeSettings = { ...DEFAULTS };
  private writing: Promise<unknown> = Promise.resolve();
  private readonly file: string;

  constructor(
    private readonly dataDir: string,
    private readonly log: FastifyBaseLogger,
  ) {
    this.file = path.join(dataDir, SETTINGS_FILE);
  }

  /**
   * A missing file is the defaults. A file that cannot be read as settings is kept aside and the
   * kill switch starts *on* (custom bundles off): an admin who turned them off must not find them
   * running again because the file broke; Settings turns them back on.
   */
  async init(): Promise<void> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch {
      data = undefined;
    }
    // Only the settings this backend knows, each defaulted: a file from a newer backend still reads.
    const object = typeof data === 'object' && data !== null && !Array.isArray(data) ? (data as Record<string, unknown>) : undefined;
    const known = object && Object.fromEntries(Object.entries(DEFAULTS).map(([key, value]) => [key, object[key] ?? value]));
    if (Value.Check(RuntimeSettings, known)) {
      this.current = known;
      return;
    }
    const aside = `${this.file}.corrupt-${Date.now()}`;
    await rename(this.file, aside).catch(() => undefined);
    this.current = { ...DEFAULTS, custom_bundles_enabled: false };
    this.log.error(
      { file: aside },
      `${SETTINGS_FILE} could not be read; kept aside, and custom bundles are off until an admin turns them on`,
    );
  }

  get(): RuntimeSettings {
    return { ...this.current };
  }

  /** Applies `change`, writes the file, then answers the settings now in force. */
  update(change: RuntimeSettingsUpdate): Promise<RuntimeSettings> {
    const write = async () => {
      const next: RuntimeSettings = { ...this.current, ...change };
      await mkdir(this.dataDir, { recursive: true });
      await writeFileAtomic(this.file, `${JSON.stringify(next, null, 2)}\n`);
      this.current = next;
      return this.get();
    };
    const result = this.writing.then(write, write);
    this.writing = result.catch(() => undefined);
    return result;
  }
}
