import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RuntimeSettingsStore, settingsChangeProblem, SETTINGS_FILE } from './runtime-settings.js';

let dir: string;
const log = { info() {}, warn() {}, error() {}, debug() {} } as unknown as FastifyBaseLogger;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'oko-settings-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function read(): Promise<RuntimeSettingsStore> {
  const store = new RuntimeSettingsStore(dir, log);
  await store.init();
  return store;
}

describe('RuntimeSettingsStore', () => {
  it('starts with custom bundles on when there is no file, and keeps a change', async () => {
    expect((await read()).get()).toEqual({ custom_bundles_enabled: true });
    await (await read()).update({ custom_bundles_enabled: false });
    expect((await read()).get()).toEqual({ custom_bundles_enabled: false });
  });

  it.each(['{not json', '[]', '{"custom_bundles_enabled": "yes"}'])(
    'turns custom bundles off, and keeps %j aside, when the file is unreadable',
    async (text) => {
      await writeFile(path.join(dir, SETTINGS_FILE), text);
      expect((await read()).get()).toEqual({ custom_bundles_enabled: false });
      expect((await readdir(dir)).some((name) => name.startsWith(`${SETTINGS_FILE}.corrupt-`))).toBe(true);
    },
  );

  it('reads a file with settings it does not know (a newer backend wrote it)', async () => {
    await writeFile(path.join(dir, SETTINGS_FILE), '{"custom_bundles_enabled": false, "later_setting": 1}');
    expect((await read()).get()).toEqual({ custom_bundles_enabled: false });
  });
});

describe('settingsChangeProblem', () => {
  it('names unknown settings and wrong types, and accepts a partial change', () => {
    expect(settingsChangeProblem({})).toBeUndefined();
    expect(settingsChangeProblem({ custom_bundles_enabled: false })).toBeUndefined();
    expect(settingsChangeProblem({ theme: 'dark' })).toContain('unknown settings: theme');
    expect(settingsChangeProblem({ custom_bundles_enabled: 1 })).toContain('custom_bundles_enabled');
    expect(settingsChangeProblem(null)).toContain('must be an object');
  });
});
