import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../../test-support/eventually.js';
import { startStore, type StoreProcess } from '../../../test-support/processes.js';

// The services stop on SIGTERM/SIGINT; SIGUSR2 belongs to diagnostics (a heap snapshot, the bench's
// event-loop probe), which listen for it themselves: it must not stop the store.
let dir: string;
let store: StoreProcess;
const marker = () => path.join(dir, 'usr2-seen');

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'oko-signals-'));
  const preload = path.join(dir, 'probe.mjs');
  await writeFile(
    preload,
    `import { writeFileSync } from 'node:fs';\nprocess.on('SIGUSR2', () => writeFileSync(${JSON.stringify(marker())}, 'seen'));\n`,
  );
  store = await startStore({ env: { NODE_OPTIONS: `--import=${pathToFileURL(preload).href}` } });
});

afterAll(async () => {
  await store?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('signals', () => {
  it('keeps serving after SIGUSR2 that a diagnostic tool listens for', async () => {
    process.kill(store.process.pid!, 'SIGUSR2');
    await eventually(
      () => existsSync(marker()),
      (seen) => seen,
    );
    const health = await fetch(`${store.api}/health`);
    expect(health.status).toBe(200);
    expect(store.process.exitCode).toBeNull();
    expect(store.output()).not.toContain('shutting down');
  });
});
