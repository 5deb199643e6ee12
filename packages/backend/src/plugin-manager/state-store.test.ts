import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { emptyStates, PluginStateStore } from './state-store.js';

let dir: string;
const log = { info() {}, warn() {}, error() {}, debug() {} } as unknown as FastifyBaseLogger;
beforeEach(async () => (dir = await mkdtemp(path.join(os.tmpdir(), 'oko-states-'))));
afterEach(() => rm(dir, { recursive: true, force: true }));

const sorted = (set: Set<string>) => [...set].sort();

describe('PluginStateStore', () => {
  it('reads what it saved, the restoring mark included', async () => {
    const store = new PluginStateStore(dir, log);
    await store.save({ ...emptyStates(), disabled: new Set(['beta']), active: new Set(['alpha']), restoring: 'alpha' });
    const read = await new PluginStateStore(dir, log).read();
    expect({ disabled: sorted(read.disabled), active: sorted(read.active), restoring: read.restoring }).toEqual({
      disabled: ['beta'],
      active: ['alpha'],
      restoring: 'alpha',
    });
  });

  it('keeps which disabled plugins were running, for Enable to load them again', async () => {
    await new PluginStateStore(dir, log).save({ ...emptyStates(), disabled: new Set(['beta']), resumeOnEnable: new Set(['beta']) });
    expect(JSON.parse(await readFile(path.join(dir, 'plugin-states.json'), 'utf8'))).toMatchObject({ active_before_disable: ['beta'] });
    expect(sorted((await new PluginStateStore(dir, log).read()).resumeOnEnable)).toEqual(['beta']);
  });

  it.each([
    ['truncated', '{"disabled": ["beta"], "act'],
    ['not an object', 'null'],
    ['a field of the wrong type', '{"version": 1, "disabled": "beta", "active": []}'],
  ])('reads the last good copy when the main file is %s, and keeps the bad one aside', async (_what, bad) => {
    const store = new PluginStateStore(dir, log);
    await store.save({ ...emptyStates(), disabled: new Set(['beta']), active: new Set(['alpha']) });
    await writeFile(path.join(dir, 'plugin-states.json'), bad);

    const read = await new PluginStateStore(dir, log).read();
    expect({ disabled: sorted(read.disabled), active: sorted(read.active) }).toEqual({ disabled: ['beta'], active: ['alpha'] });
    const files = await readdir(dir);
    expect(files.filter((f) => f.startsWith('plugin-states.json.corrupt-'))).toHaveLength(1);
    // the main file is good again, so the next start does not depend on the copy
    expect(JSON.parse(await readFile(path.join(dir, 'plugin-states.json'), 'utf8'))).toMatchObject({
      disabled: ['beta'],
      active: ['alpha'],
    });
  });

  it('starts empty when the main file and its copy are both corrupt', async () => {
    await writeFile(path.join(dir, 'plugin-states.json'), '{');
    await writeFile(path.join(dir, 'plugin-states.json.bak'), '[');
    const read = await new PluginStateStore(dir, log).read();
    expect({ disabled: sorted(read.disabled), active: sorted(read.active) }).toEqual({ disabled: [], active: [] });
  });

  it('starts empty when the main file was removed on purpose, whatever the copy holds', async () => {
    await new PluginStateStore(dir, log).save({ ...emptyStates(), disabled: new Set(['beta']) });
    await rm(path.join(dir, 'plugin-states.json'));
    const read = await new PluginStateStore(dir, log).read();
    expect(sorted(read.disabled)).toEqual([]);
  });

  it('keeps quarantined plugins and recent crashes, and reads a file written before they existed', async () => {
    const states = emptyStates();
    states.quarantined.set('crashy', {
      reason: 'quarantined after 3 crashes in 10 min; last crash: exit 1',
      at: '2026-01-01T00:00:00.000Z',
    });
    states.crashes.set('shaky', [1000, 2000]);
    await new PluginStateStore(dir, log).save(states);
    const read = await new PluginStateStore(dir, log).read();
    expect([...read.quarantined]).toEqual([...states.quarantined]);
    expect([...read.crashes]).toEqual([['shaky', [1000, 2000]]]);

    await writeFile(path.join(dir, 'plugin-states.json'), '{"version": 1, "disabled": [], "active": ["alpha"]}');
    const old = await new PluginStateStore(dir, log).read();
    expect({ active: sorted(old.active), quarantined: old.quarantined.size, crashes: old.crashes.size }).toEqual({
      active: ['alpha'],
      quarantined: 0,
      crashes: 0,
    });
  });

  it('leaves out ids that are not plugin names', async () => {
    await writeFile(path.join(dir, 'plugin-states.json'), '{"disabled": ["ok_one", "../x"], "active": ["A B"], "restoring": ".."}');
    const read = await new PluginStateStore(dir, log).read();
    expect({ disabled: sorted(read.disabled), active: sorted(read.active), restoring: read.restoring }).toEqual({
      disabled: ['ok_one'],
      active: [],
      restoring: undefined,
    });
  });
});
