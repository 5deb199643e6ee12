import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { chmod, chown, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePort } from './free-port.js';

/*
 * A real, throwaway PostgreSQL server for one test file: the machine's own binaries (Debian's
 * `postgresql` package, which `npm test` installs when missing: scripts/ensure-postgres.sh), a
 * cluster made by initdb in a temporary folder, started on a free loopback port with its socket in
 * that folder and fsync off, removed by stop(). initdb and postgres refuse to run as root, so as
 * root (CI) both run as the `postgres` user through runuser.
 */

export interface PostgresServer {
  /** postgres://oko:<password>@127.0.0.1:<port>/postgres */
  url: string;
  port: number;
  /** A new empty database on this server, and its URL: one per test keeps tests apart. */
  createDatabase(prefix?: string): Promise<string>;
  /** Stops the server (fast shutdown) and removes the cluster folder. */
  stop(): Promise<void>;
}

/** The newest version's bin folder under /usr/lib/postgresql/<version>/bin (OKO_PG_BIN overrides). */
export async function postgresBinDir(): Promise<string> {
  if (process.env.OKO_PG_BIN) return process.env.OKO_PG_BIN;
  const base = '/usr/lib/postgresql';
  const versions = (await readdir(base).catch(() => [])).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
  if (versions.length === 0) {
    throw new Error(`No PostgreSQL under ${base}: run scripts/ensure-postgres.sh (npm test does), or set OKO_PG_BIN`);
  }
  return path.join(base, versions[0]!, 'bin');
}

const asRoot = userInfo().uid === 0;

/** argv to run `bin` as the cluster's owner: through runuser as root, directly otherwise. */
function asOwner(bin: string, args: string[]): [string, string[]] {
  return asRoot ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
}

async function waitReady(url: string, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`postgres exited with ${child.exitCode}:\n${log()}`);
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      await client.end();
      return;
    } catch (error) {
      await client.end().catch(() => undefined);
      if (Date.now() > deadline)
        throw new Error(`postgres did not accept connections in 30 s: ${(error as Error).message}\n${log()}`, { cause: error });
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

export async function startPostgres(): Promise<PostgresServer> {
  const bin = await postgresBinDir();
  const root = await mkdtemp(path.join(tmpdir(), 'oko-pg-'));
  const data = path.join(root, 'data');
  const password = randomBytes(12).toString('hex');
  const pwfile = path.join(root, 'pw');
  await writeFile(pwfile, `${password}\n`);
  if (asRoot) {
    const { uid, gid } = postgresUser();
    await chown(root, uid, gid);
    await chown(pwfile, uid, gid);
  }
  await chmod(root, 0o700);
  const [initCmd, initArgs] = asOwner(path.join(bin, 'initdb'), [
    ...['-D', data, '-U', 'oko', '--pwfile', pwfile, '-A', 'scram-sha-256', '-E', 'UTF8', '--locale=C', '--no-sync'],
  ]);
  const init = spawnSync(initCmd, initArgs, { encoding: 'utf8' });
  if (init.status !== 0) {
    await rm(root, { recursive: true, force: true });
    throw new Error(`initdb failed (${init.status}): ${init.stderr || init.stdout || init.error?.message}`);
  }
  const port = await freePort();
  const settings = ['fsync=off', 'synchronous_commit=off', 'full_page_writes=off', 'max_connections=200', 'listen_addresses=127.0.0.1'];
  const [cmd, args] = asOwner(path.join(bin, 'postgres'), [
    '-D',
    data,
    '-p',
    String(port),
    '-k',
    root,
    ...settings.flatMap((s) => ['-c', s]),
  ]);
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-8000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const url = `postgres://oko:${password}@127.0.0.1:${port}/postgres`;
  // A test process that ends without stop() must not leave a server behind.
  const killOnExit = () => signalPostmaster(data, 'SIGQUIT');
  process.on('exit', killOnExit);
  const stop = async () => {
    process.off('exit', killOnExit);
    if (child.exitCode === null) {
      const exited = once(child, 'exit');
      // runuser does not pass signals on: the postmaster itself gets SIGQUIT (immediate
      // shutdown: the cluster is thrown away, so nothing needs flushing).
      if (!signalPostmaster(data, 'SIGQUIT')) child.kill('SIGKILL');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(root, { recursive: true, force: true });
  };
  try {
    await waitReady(url, child, () => output);
  } catch (error) {
    await stop();
    throw error;
  }
  let count = 0;
  return {
    url,
    port,
    async createDatabase(prefix = 'oko_test') {
      const name = `${prefix}_${++count}_${randomBytes(3).toString('hex')}`;
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      return url.replace(/\/postgres$/, `/${name}`);
    },
    stop,
  };
}

/** Signals the postmaster by the pid in postmaster.pid; false when there is none. */
function signalPostmaster(data: string, signal: NodeJS.Signals): boolean {
  try {
    const pid = Number(readFileSync(path.join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}

function postgresUser(): { uid: number; gid: number } {
  const found = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  const group = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
  if (found.status !== 0 || group.status !== 0) {
    throw new Error("No 'postgres' user: install Debian's postgresql package (scripts/ensure-postgres.sh)");
  }
  return { uid: Number(found.stdout.trim()), gid: Number(group.stdout.trim()) };
}
