import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, openSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Services are started as in test-support/service.ts (a real `node dist/server.js`, port 0, the URL
 * taken from Fastify's "Server listening at" line), but their output goes to a log file rather
 * than a pipe: under load they log two lines per request, and a pipe the bench must drain would
 * tie the service's speed to the bench's own event loop.
 */
export interface Service {
  name: string;
  url: string;
  pid: number;
  logFile: string;
  process: ChildProcess;
  stop: () => Promise<void>;
}

export interface SpawnOptions {
  name: string;
  entry: string;
  env: Record<string, string>;
  portEnv: string;
  logDir: string;
  /** A fixed port instead of 0. */
  port?: number;
  /** Extra node flags, e.g. ['--import', url]. */
  nodeArgs?: string[];
  timeoutMs?: number;
}

const LISTENING = /listening at (http:\/\/[^\s",]+)/i;
let counter = 0;

export function spawnService(options: SpawnOptions): { child: ChildProcess; logFile: string } {
  const logFile = path.join(options.logDir, `${options.name}-${++counter}.log`);
  const fd = openSync(logFile, 'w');
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), options.entry], {
    env: { ...process.env, ...options.env, [options.portEnv]: String(options.port ?? 0) },
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  return { child, logFile };
}

/** Starts a service and waits for its listening line; throws with the log when it dies or is slow. */
export async function startService(options: SpawnOptions): Promise<Service> {
  const { child, logFile } = spawnService(options);
  const exited = once(child, 'exit');
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  let url: string | undefined;
  while (!url) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${options.name} exited before listening:\n${tail(logFile)}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${options.name} did not start in time:\n${tail(logFile)}`);
    }
    url = LISTENING.exec(readFileSync(logFile, 'utf8'))?.[1];
    if (!url) await sleep(10);
  }
  return { name: options.name, url, pid: child.pid!, logFile, process: child, stop: () => stopProcess(child, exited) };
}

/** SIGTERM, then SIGKILL after 10 s; resolves when the process is gone. */
export async function stopProcess(child: ChildProcess, exited: Promise<unknown> = once(child, 'exit')): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

export function tail(file: string, chars = 4000): string {
  try {
    return readFileSync(file, 'utf8').slice(-chars);
  } catch {
    return '(no log)';
  }
}
