import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';

/** A real service process started by a test, on a port the OS picked. */
export interface RunningService {
  url: string;
  process: ChildProcess;
  /** Everything the process printed so far (stdout + stderr). */
  output: () => string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
  stop: (graceMs?: number) => Promise<void>;
  /** SIGKILL at once, like a crash or `kill -9`. */
  kill: () => Promise<void>;
}

export interface StartOptions {
  /** Path of the built server entry, e.g. packages/store/dist/server.js. */
  entry: string;
  env: Record<string, string>;
  /** Name of the env var that carries the port; it is set to 0 so the OS picks one. */
  portEnv: string;
  /** A fixed port instead of 0, e.g. to restart a killed service where its clients expect it. */
  port?: number;
  /** Run the process as this user/group (needs root), e.g. to test permissions that root ignores. */
  uid?: number;
  gid?: number;
  /** A command that runs node for us, e.g. `['prlimit', '--fsize=131072', '--']` to set a limit on it. */
  launcher?: string[];
  timeoutMs?: number;
}

const LISTENING = /listening at (http:\/\/[^\s",]+)/i;

/**
 * Spawns `node entry` with `portEnv=0` and resolves once Fastify logs "Server listening at URL".
 * Parsing the log avoids the race of reserving a free port and handing it over.
 */
export async function startService(options: StartOptions): Promise<RunningService> {
  const [command, ...prefix] = [...(options.launcher ?? []), process.execPath];
  const child = spawn(command!, [...prefix, options.entry], {
    env: { ...process.env, ...options.env, [options.portEnv]: String(options.port ?? 0) },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(options.uid === undefined ? {} : { uid: options.uid }),
    ...(options.gid === undefined ? {} : { gid: options.gid }),
  });
  let output = '';
  const exited = once(child, 'exit');
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`service did not start in time:\n${output}`)), options.timeoutMs ?? 20_000);
    let listening = false;
    // Only the text since the last newline before this chunk can hold the line, so a chatty service
    // costs a scan of its new output, not of everything it printed.
    let pending = '';
    const onData = (chunk: Buffer) => {
      const text = chunk.toString();
      output += text;
      if (listening) return;
      pending += text;
      const match = LISTENING.exec(pending);
      pending = pending.slice(pending.lastIndexOf('\n') + 1);
      if (match?.[1]) {
        listening = true;
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`service exited with ${code} before listening:\n${output}`));
    });
  });
  const stop = async (graceMs = 5000) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  };
  const kill = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGKILL');
    await exited;
  };
  return { url, process: child, output: () => output, stop, kill };
}
