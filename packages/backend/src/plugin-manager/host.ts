import type { ChildProcess } from 'node:child_process';
import type { FastifyBaseLogger } from 'fastify';
import { reservedRouteProblem } from '@oko/shared';
import { HostBudget } from './host-budget.js';
import { checkFromHost, checkRouteReply, type CallBody, type FromHost, type ToHost } from './protocol.js';
import { eachLine, forkHost, type HostSpawn } from './sandbox/child.js';
import { watchMemory } from './sandbox/memory-watch.js';

/** Why a call into a plugin host did not give an answer. */
export class HostCallError extends Error {
  constructor(
    readonly kind: 'timeout' | 'failed' | 'gone',
    message: string,
  ) {
    super(message);
  }
}

export interface HostOptions {
  /** The first message: the plugin's data and its guard policy. */
  start: Extract<ToHost, { type: 'start' }>;
  spawn: HostSpawn;
  memoryMb: number;
  /** Resident memory the whole process may use (OKO_PLUGIN_RSS_LIMIT_MB), checked every memoryCheckMs. */
  rssLimitMb: number;
  memoryCheckMs: number;
  loadTimeoutMs: number;
  log: FastifyBaseLogger;
  onEmit: (topic: string, data: unknown) => void;
  /** Each log line the plugin's budget lets through (ctx.log and what it prints). */
  onLog?: (level: 'debug' | 'info' | 'warn' | 'error', message: string) => void;
}

interface Pending {
  /** What was called: a route or page answer must have the shape of a RouteReply. */
  kind: CallBody['type'];
  resolve: (value: unknown) => void;
  reject: (error: HostCallError) => void;
  timer: NodeJS.Timeout;
}

/**
 * The backend's side of one plugin host: a process of its own under Node's permission model, with
 * memory limits, spoken to by IPC messages (docs/architecture.md#sandbox). The backend never waits
 * on it without a bound, so a plugin that hangs, loops or grows costs that plugin only.
 */
export class PluginHost {
  readonly routes: Array<{ method: string; path: string }> = [];
  readonly actions = new Set<string>();
  readonly subscriptions = new Set<string>();
  hasPage = false;
  /** Called once when the host dies on its own (crash, OOM, exit), not when stopped. */
  onCrash: (reason: string) => void = () => {};

  /** The plugin process's id (benchmarks and tests read its memory by it); 0 when it did not start. */
  readonly pid: number;
  private readonly child: ChildProcess;
  private readonly exited: Promise<void>;
  private markExited: () => void = () => {};
  private readonly stopWatching: () => void;
  /** V8 wrote that the heap limit was reached: the abort that follows is an out-of-memory death. */
  private heapExhausted = false;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private stopping = false;
  private dead = false;
  /** Set once the host sent a message that broke the protocol; its later messages are ignored. */
  private rejected = false;
  private deathReason = '';
  private readonly budget: HostBudget;

  private constructor(private readonly options: HostOptions) {
    this.budget = new HostBudget(options.start.data.pluginId, options.log, (problem) => this.end(problem), options.onLog);
    this.child = forkHost(options.spawn);
    this.pid = this.child.pid ?? 0;
    this.exited = new Promise((resolve) => (this.markExited = resolve));
    this.child.on('message', (message: unknown) => this.receive(message));
    this.child.on('error', (error) => {
      this.deathReason ||= `could not start the plugin process: ${error.message}`;
      // A process that never started (EACCES on its folder, say) sends no 'exit'.
      if (this.child.pid === undefined) this.onExit(null, null);
    });
    this.child.on('exit', (code, signal) => this.onExit(code, signal));
    eachLine(this.child.stdout, (line) => this.printed('info', line));
    eachLine(this.child.stderr, (line) => {
      if (/JavaScript heap out of memory|Reached heap limit/.test(line)) this.heapExhausted = true;
      this.printed('warn', line);
    });
    this.stopWatching = this.child.pid
      ? watchMemory(this.child.pid, options.rssLimitMb, options.memoryCheckMs, (reason) => this.refuse(reason))
      : () => {};
    this.post(options.start);
  }

  /** A line the plugin printed: its log, under the same budget as ctx.log. */
  private printed(level: 'info' | 'warn', line: string): void {
    if (line) this.budget.logLine(level, { printed: true }, line);
  }

  /** Starts the host and runs setup(ctx); rejects with the reason when it fails or exceeds the load timeout. */
  static start(options: HostOptions): Promise<PluginHost> {
    const host = new PluginHost(options);
    return new Promise<PluginHost>((resolve, reject) => {
      const fail = (reason: string) => {
        clearTimeout(timer);
        host.stopping = true;
        void host.terminate();
        reject(new Error(reason));
      };
      const timer = setTimeout(() => fail(`setup did not finish within ${options.loadTimeoutMs} ms`), options.loadTimeoutMs);
      host.ready = { resolve: () => (clearTimeout(timer), resolve(host)), fail };
    });
  }

  private ready?: { resolve: () => void; fail: (reason: string) => void };

  /**
   * Every message is checked before anything acts on it: plugin code runs in the host's process
   * and can send anything on its channel, and a message of the wrong shape once threw in the
   * backend and ended it. Whatever goes wrong here ends this host only.
   */
  private receive(raw: unknown): void {
    if (this.rejected) return;
    const checked = checkFromHost(raw);
    if (!checked.ok) return this.end(checked.problem);
    try {
      this.onMessage(checked.value);
    } catch (error) {
      this.end(`a message the backend could not handle (${(error as Error)?.message ?? error})`);
    }
  }

  /** Ends a host that broke the protocol; the reason reaches the user as the load failure or the crash. */
  private end(problem: string): void {
    this.refuse(`the plugin host sent ${problem} and was stopped`);
  }

  /** Ends this host with `reason`, which becomes its load failure or crash reason. */
  private refuse(reason: string): void {
    if (this.rejected || this.dead) return;
    this.rejected = true;
    this.deathReason = reason;
    this.options.log.warn({ plugin: this.options.start.data.pluginId }, reason);
    void this.terminate();
  }

  private onMessage(message: FromHost): void {
    switch (message.type) {
      case 'register-route': {
        // Checked here, not only in the host: plugin code can post a raw register message.
        const reserved = reservedRouteProblem(message.path);
        if (reserved) return this.refuse(`the plugin registered a route it may not have: ${reserved}`);
        this.routes.push({ method: message.method, path: message.path });
        break;
      }
      case 'register-action':
        this.actions.add(message.actionType);
        break;
      case 'register-page':
        this.hasPage = true;
        break;
      case 'subscribe':
        this.subscriptions.add(message.topic);
        break;
      case 'unsubscribe':
        this.subscriptions.delete(message.topic);
        break;
      case 'ready':
        this.ready?.resolve();
        this.ready = undefined;
        break;
      case 'setup-failed':
        this.ready?.fail(`setup failed: ${message.message}`);
        this.ready = undefined;
        break;
      case 'reply': {
        const pending = this.pending.get(message.id);
        if (!pending) return; // answered after its timeout: nobody waits any more
        this.pending.delete(message.id);
        clearTimeout(pending.timer);
        if (!message.ok) return pending.reject(new HostCallError('failed', message.message));
        if (pending.kind === 'route' || pending.kind === 'page') {
          const reply = checkRouteReply(message.value);
          if (!reply.ok) {
            pending.reject(new HostCallError('failed', `the plugin host answered with ${reply.problem}`));
            return this.end(`${reply.problem} to a ${pending.kind} call`);
          }
        }
        pending.resolve(message.value);
        break;
      }
      case 'emit':
        this.budget.event(() => this.options.onEmit(message.topic, message.data));
        break;
      case 'log':
        this.budget.logLine(message.level, { data: message.data }, message.message);
        break;
      case 'dropped':
        this.budget.addReported(message.logLines, message.events);
        break;
    }
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.dead) return;
    this.dead = true;
    this.markExited();
    this.stopWatching();
    this.budget.flush();
    const reason =
      this.deathReason ||
      (this.heapExhausted ? `ran out of memory (limit ${this.options.memoryMb} MB)` : '') ||
      (signal ? `host was ended by signal ${signal}` : `host exited with code ${code}`);
    for (const [id, pending] of this.pending) {
      clearTimeout(pending.timer);
      pending.reject(new HostCallError('gone', `the plugin host stopped (${reason})`));
      this.pending.delete(id);
    }
    if (this.ready) {
      this.ready.fail(reason);
      this.ready = undefined;
    } else if (!this.stopping) this.onCrash(reason);
  }

  call(body: CallBody, timeoutMs: number): Promise<unknown> {
    if (this.dead) return Promise.reject(new HostCallError('gone', 'the plugin host has stopped'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new HostCallError('timeout', `no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { kind: body.type, resolve, reject, timer });
      this.post({ ...body, id });
    });
  }

  /** True when the host's event loop still answers: a slow handler is alive, a looping one is not. */
  async isResponsive(timeoutMs: number): Promise<boolean> {
    return this.call({ type: 'ping' }, timeoutMs).then(
      () => true,
      () => false,
    );
  }

  deliverEvent(topic: string, data: unknown, source: string): void {
    if (!this.dead) this.post({ type: 'event', topic, data, source });
  }

  /** Runs teardown (bounded), then ends the process, which frees the plugin's code and memory. */
  async stop(teardownTimeoutMs: number): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    if (!this.dead) {
      await this.call({ type: 'teardown' }, teardownTimeoutMs).catch((error: Error) =>
        this.options.log.warn({ plugin: this.options.start.data.pluginId }, `teardown did not complete: ${error.message}`),
      );
    }
    await this.terminate();
  }

  /** Ends the process at once, for a host that no longer answers. */
  async kill(): Promise<void> {
    this.stopping = true;
    await this.terminate();
  }

  /** SIGKILL: plugin code may ignore any gentler signal. Resolves once the process is gone. */
  private async terminate(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    await this.exited;
  }

  private post(message: ToHost): void {
    try {
      if (this.child.connected) this.child.send(message, undefined, undefined, () => {});
    } catch (error) {
      this.options.log.warn({ plugin: this.options.start.data.pluginId, err: error }, 'could not send a message to the plugin host');
    }
  }
}
