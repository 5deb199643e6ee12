import { afterAll, describe, expect, it } from 'vitest';
import { eventually, makeDirs, startBackendProcess, type Dirs } from './helpers.js';
import { expectErrorAnswer } from '../../../test-support/errors.js';
import type { BackendProcess } from '../../../test-support/processes.js';

// A real process on 0.0.0.0 (README "Sign-in"): it logs the one-time setup URL, serves only the
// setup until an admin exists, and after a restart the admin and the session are still there.

let dirs: Dirs;
const running: BackendProcess[] = [];
afterAll(async () => {
  await Promise.all(running.map((backend) => backend.stop()));
  await dirs?.cleanup();
});

const start = async () => {
  const backend = await startBackendProcess(dirs, { OKO_HOST: '0.0.0.0' });
  running.push(backend);
  return backend;
};

describe('a backend listening on 0.0.0.0 with no account', () => {
  it('logs a setup URL whose token creates the first admin once; admin and session survive a restart', async () => {
    dirs = await makeDirs([]);
    const first = await start();
    const token = await eventually(() => {
      const match = /\/setup\?token=([\w-]+)/.exec(first.output());
      if (!match) throw new Error('no setup URL logged yet');
      return match[1]!;
    });
    await expectErrorAnswer(await fetch(`${first.api}/plugins`), 401, 'SETUP_REQUIRED');
    expect((await fetch(`${first.api}/health`)).status).toBe(200);
    const setup = (username: string) =>
      fetch(`${first.api}/auth/setup`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token, username, password: 'first-admin-pw' }),
      });
    const done = await setup('first');
    expect(done.status).toBe(200);
    const cookie = done.headers.get('set-cookie')!.split(';')[0]!;
    await expectErrorAnswer(await setup('second'), 403, 'SETUP_TOKEN_INVALID');
    await first.stop();
    running.splice(running.indexOf(first), 1);

    const second = await start();
    expect(second.output()).not.toContain('/setup?token=');
    await expectErrorAnswer(await fetch(`${second.api}/plugins`), 401, 'UNAUTHORIZED');
    const me = await fetch(`${second.api}/auth/me`, { headers: { cookie } });
    expect(await me.json()).toEqual({ user: 'first', role: 'admin', auth: 'on' });
  });
});
