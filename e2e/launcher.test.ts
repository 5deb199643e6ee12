import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { eventually } from '../test-support/eventually.js';
import { removeDir, tempDir } from '../test-support/fixtures.js';
import { getJson } from '../test-support/http.js';
import { freePort } from '../test-support/free-port.js';

// `npm start` after its build step (scripts/start-all.mjs): readable log lines, and one service
// going down leaves the other running, with a line that says so.
/** The pid of the launcher's child running `entry` (Linux `ps`). */
function childRunning(launcherPid: number, entry: string): number {
  const lines = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(launcherPid)], { encoding: 'utf8' }).split('\n');
  const line = lines.find((l) => l.includes(entry));
  if (!line) throw new Error(`no child running ${entry} in:\n${lines.join('\n')}`);
  return Number(line.trim().split(/\s+/)[0]);
}

describe('npm start, when a service stops', () => {
  it('prints readable lines, keeps the dashboard when the store dies, says so, and ends on Ctrl+C', async () => {
    const [storePort, backendPort] = [await freePort(), await freePort()];
    const data = await tempDir('launcher');
    const launcher = spawn(process.execPath, [path.resolve('scripts/start-all.mjs')], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        OKO_STORE_PORT: String(storePort),
        OKO_PORT: String(backendPort),
        OKO_STORE_URL: '',
        OKO_STORE_STORAGE_PATH: path.join(data, 'store'),
        OKO_PLUGINS_DIR: path.join(data, 'plugins'),
        OKO_DATA_DIR: path.join(data, 'backend'),
      },
    });
    let output = '';
    launcher.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    launcher.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = once(launcher, 'exit');
    try {
      await eventually(
        () => output.includes('[start] OKO dashboard is ready') || launcher.exitCode !== null,
        (done) => done,
        60_000,
      ).catch(() => undefined);
      // The ready line stands alone, a blank line on each side (no colour: not a terminal).
      expect(output).toContain(`\n\n[start] OKO dashboard is ready: open http://127.0.0.1:${backendPort}\n\n`);
      // Each service's lines carry its name and read as text; none is a raw JSON record.
      const serviceLines = output.split('\n').filter((l) => /^\[(store|backend)\]/.test(l));
      expect(serviceLines.some((l) => /^\[store\]\s+\[\d\d:\d\d:\d\d\] INFO: Server listening at/.test(l))).toBe(true);
      expect(serviceLines.some((l) => /^\[backend\] \[\d\d:\d\d:\d\d\] INFO: Server listening at/.test(l))).toBe(true);
      expect(serviceLines.filter((l) => /^\[\w+\]\s+\{/.test(l))).toEqual([]);

      process.kill(childRunning(launcher.pid!, 'store/dist/server.js'), 'SIGKILL');
      await eventually(
        () => output.includes('[start] the store stopped'),
        (seen) => seen,
        15_000,
      ).catch(() => undefined);
      expect(output).toContain('[start] the store stopped (signal SIGKILL); the dashboard keeps running without it');
      expect(output).toContain('`npm run start:store`');
      // The dashboard still answers, and knows its store is gone.
      const health = await getJson<{ available: boolean }>(`http://127.0.0.1:${backendPort}/api/v1/store/health`);
      expect(health).toMatchObject({ status: 200, body: { available: false } });
      expect(launcher.exitCode).toBeNull();

      launcher.kill('SIGINT');
      const [code] = await exited;
      expect(output).toContain('[start] the dashboard stopped (exit code 0)');
      // It ends once both are gone, with the code of the failure it saw.
      expect(code).toBe(1);
    } finally {
      if (launcher.exitCode === null) launcher.kill('SIGKILL');
      await removeDir(data);
    }
    await expect(fetch(`http://127.0.0.1:${backendPort}/api/v1/health`)).rejects.toThrow();
  });
});
