import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { DEV_MAX_BYTES, DEV_MAX_FILES, PAGE_MANIFEST_FILE, type DevFile, type DevPluginStatus } from '@oko/shared';
import { checkPlugin } from '../check-plugin.js';
import { CliError } from '../errors.js';
import { BuildStep, buildScriptOf } from './build.js';
import { SerialDebouncer } from './debounce.js';
import { BackendRefusal, type DevApi } from './dev-api.js';
import { buildFailedLines, invalidLines, logLine, printable, refusedLines, stateEventLines, statusLines } from './dev-output.js';
import { diffSnapshots, isEmptyDiff, snapshotFolder, type Snapshot } from './files.js';
import { followLogs } from './log-stream.js';
import { watchFolder, type FolderWatcher } from './watcher.js';

/** Where a session writes: what happens to stdout, problems to stderr. */
export interface DevPrinter {
  say(line: string): void;
  warn(line: string): void;
}

export interface DevSessionOptions {
  /** The plugin folder, absolute. */
  dir: string;
  leaseS: number;
  /** Quiet time after the last file event before a save is handled. */
  debounceMs?: number;
  /** false: no watcher; a test calls lookNow() for each save, to tell what one look does. */
  watch?: boolean;
}

/**
 * One `oko-plugin dev` run: builds (when the plugin has a build script), validates, sends what
 * changed, follows the log stream and renews the lease; `stop()` removes the plugin. It sends file
 * contents, never a path, so the backend may run on another host.
 */
export class DevSession {
  private name: string | null = null;
  /** The files as the backend holds them (after the last applied push); null: send everything. */
  private pushed: Snapshot | null = null;
  /** The folder after the last look (and build): what a new event is compared with. */
  private seen: Snapshot = new Map();
  /** Set when package.json has a `build` script. */
  private build: BuildStep | undefined;
  private lastGood = false;
  private following = false;
  /** A push of this name was applied in this session: the next is a reload, not a first load. */
  private applied = false;
  private failing = false;
  private pushing = false;
  private stopping = false;
  private printed = { generation: -1, state: '' };
  private renewFailing = false;
  private readonly debouncer: SerialDebouncer;
  private watcher: FolderWatcher | undefined;
  private leaseTimer: NodeJS.Timeout | undefined;
  private logs = new AbortController();

  constructor(
    private readonly api: DevApi,
    private readonly options: DevSessionOptions,
    private readonly print: DevPrinter,
  ) {
    this.debouncer = new SerialDebouncer(options.debounceMs ?? 100, () => this.cycle());
  }

  /**
   * The first build, check and push; then watches. Throws (a CliError) when the backend cannot be
   * reached or refuses development plugins: nothing would ever run, so the command ends.
   */
  async start(): Promise<void> {
    if ((await buildScriptOf(this.options.dir)) !== null) this.build = new BuildStep(this.options.dir);
    // Watching from the start, so a save during the first build and push is not lost; it is
    // handled after them, since two looks at once would race.
    let ready = false;
    let savedMeanwhile = false;
    if (this.options.watch !== false) {
      this.watcher = watchFolder(
        this.options.dir,
        () => (ready ? this.debouncer.trigger() : (savedMeanwhile = true)),
        (error) => this.print.warn(`watching ${this.options.dir} failed: ${error.message}`),
      );
    }
    await this.cycle(true);
    ready = true;
    if (savedMeanwhile) this.debouncer.trigger();
    const every = (this.options.leaseS * 1000) / 3;
    this.leaseTimer = setInterval(() => void this.renew(), every);
  }

  /** For tests: handles the folder as it is now, as a save would, once the save being handled is done. */
  async lookNow(): Promise<void> {
    await this.debouncer.idle();
    await this.cycle();
  }

  /** Stops watching and removes the development plugin; answers what happened, for the exit code. */
  async stop(): Promise<{ removed: boolean; message: string }> {
    this.stopping = true;
    this.watcher?.close();
    this.debouncer.stop();
    clearInterval(this.leaseTimer);
    this.logs.abort();
    await this.debouncer.idle();
    if (!this.name) return { removed: true, message: 'nothing was sent; nothing to remove' };
    try {
      await this.api.remove(this.name);
      return { removed: true, message: `removed ${this.name}` };
    } catch (error) {
      if (error instanceof BackendRefusal && error.status === 404)
        return { removed: true, message: `removed ${this.name} (it was gone already)` };
      return { removed: false, message: `${(error as Error).message}; the backend removes ${this.name} when its lease runs out` };
    }
  }

  private async cycle(first = false): Promise<void> {
    try {
      await this.look(first);
    } catch (error) {
      // At start an unreachable backend, or one that refuses development plugins or this caller, ends
      // the command: no save would change that. Later it is said, and the next save tries again.
      if (first && error instanceof CliError && (!(error instanceof BackendRefusal) || error.status === 401 || error.status === 403))
        throw error;
      this.print.warn(`✗ ${(error as Error).message}`);
      this.failing = true;
    }
  }

  private async look(first: boolean): Promise<void> {
    const { dir } = this.options;
    let current = await snapshotFolder(dir, this.seen);
    if (this.build) {
      const outcome = await this.build.run(this.seen, current);
      this.seen = current = outcome.current;
      if (outcome.kind === 'failed') return this.fail(buildFailedLines(outcome.lines, this.lastGood));
      if (outcome.kind === 'still-failed') return;
    }
    this.seen = current;
    if (this.pushed && isEmptyDiff(diffSnapshots(this.pushed, current))) {
      // After a problem nothing was sent for, the folder is the running good version again: say so.
      if (this.failing && this.lastGood) this.print.say(`● ${this.name} is back to the version running; nothing to send`);
      this.failing = false;
      return;
    }

    const checked = await checkPlugin(dir, dir);
    const blocking = checked.issues.filter((issue) => issue.file !== PAGE_MANIFEST_FILE);
    if (blocking.length > 0 || !checked.manifest) return this.fail(invalidLines(checked.issues, this.lastGood));
    // The backend falls back to a disabled page for these; worth fixing, not worth stopping a reload for.
    for (const issue of checked.issues) this.print.warn(`warning: ${issue.file}: ${issue.path ? `${issue.path}: ` : ''}${issue.message}`);
    if (first) for (const warning of checked.warnings) this.print.warn(`warning: ${warning.file}: ${warning.message}`);
    const main = checked.manifest.main ?? 'index.js';
    this.build?.addOutput(main);

    const name = checked.manifest.name;
    if (this.name !== null && name !== this.name) await this.rename(name);
    await this.send(name, current);
  }

  private fail(lines: string[]): void {
    // Ctrl-C reaches a running build too (one process group): its failure then is no news.
    if (this.stopping) return;
    for (const line of lines) this.print.warn(line);
    this.failing = true;
  }

  /** manifest.json's name changed: the old development plugin goes, the new name starts from scratch. */
  private async rename(name: string): Promise<void> {
    const old = this.name!;
    this.print.say(`the plugin's name changed from ${old} to ${name}: removing ${old}`);
    await this.api.remove(old).catch(() => {});
    this.logs.abort();
    this.logs = new AbortController();
    this.following = false;
    this.applied = false;
    this.name = null;
    this.pushed = null;
    this.lastGood = false;
  }

  private async send(name: string, current: Snapshot): Promise<void> {
    const replace = this.pushed === null;
    const diff = diffSnapshots(this.pushed ?? new Map(), current);
    if (diff.changed.length > DEV_MAX_FILES)
      return this.fail([`✗ ${diff.changed.length} files to send; at most ${DEV_MAX_FILES} fit in one push`]);
    const bytes = diff.changed.reduce((sum, rel) => sum + current.get(rel)!.size, 0);
    if (bytes > DEV_MAX_BYTES)
      return this.fail([
        `✗ ${bytes} bytes to send; at most ${DEV_MAX_BYTES} fit in one push (is a build output or data file in the folder?)`,
      ]);
    const files: DevFile[] = [];
    for (const rel of diff.changed) {
      const content = await readFile(path.join(this.options.dir, rel));
      files.push({ path: rel, content_base64: content.toString('base64') });
    }
    this.pushing = true;
    let status: DevPluginStatus;
    try {
      const body = { files, lease_s: this.options.leaseS, ...(replace ? { replace: true } : { removed: diff.removed }) };
      status = (await this.api.push(name, body)).value;
    } catch (error) {
      // Whether the backend applied it is unknown (or, for DEV_PLUGIN_NOT_FOUND, it holds nothing):
      // the next push sends the whole plugin, which is right whatever it holds.
      this.pushed = null;
      if (replace || !(error instanceof BackendRefusal) || error.code !== 'DEV_PLUGIN_NOT_FOUND') throw error;
      this.pushing = false;
      this.applied = false;
      return this.send(name, current);
    } finally {
      this.pushing = false;
    }
    this.name = name;
    if (!this.following) {
      this.following = true;
      void this.follow(name);
    }
    if (status.refused) {
      // The backend may keep the refused files as its last pushed tree (it does, so a fix of the
      // manifest alone finds the refused edits): a revert would then not reach it. The next push
      // sends everything, which is right whether it kept them or not.
      this.pushed = null;
      return this.fail(refusedLines(status.refused, this.lastGood));
    }
    this.pushed = current;
    const firstLoad = !this.applied;
    this.applied = true;
    this.failing = status.state !== 'active';
    this.lastGood = status.state === 'active';
    this.printed = { generation: status.generation, state: status.state };
    for (const line of statusLines(status, firstLoad)) {
      if (status.error) this.print.warn(line);
      else this.print.say(line);
    }
  }

  private async follow(name: string): Promise<void> {
    const signal = this.logs.signal;
    await followLogs(
      this.api,
      name,
      (event) => {
        if (event.event === 'log') return this.print.say(logLine(event.data));
        if (event.event === 'removed') {
          // Not by this session (it stops reading before it removes): the next renewal finds it gone and sends it again.
          this.print.warn(`✗ ${printable(event.data.message)}`);
          this.pushed = null;
          return;
        }
        const { generation, state } = event.data;
        // A push's answer reports its own reload; the stream tells what happens after (a crash, a restart).
        if (this.pushing || generation < this.printed.generation) return;
        if (generation === this.printed.generation && state === this.printed.state) return;
        this.printed = { generation, state };
        for (const line of stateEventLines(name, event.data)) this.print.say(line);
      },
      signal,
      (reason) => this.print.warn(`(${reason}; reconnecting)`),
    );
  }

  private async renew(): Promise<void> {
    if (!this.name || this.pushing) return;
    try {
      await this.api.renew(this.name);
      if (this.renewFailing) this.print.say(`the lease of ${this.name} is renewed again`);
      this.renewFailing = false;
    } catch (error) {
      if (error instanceof BackendRefusal && error.status === 404) {
        // The lease ran out (the machine slept) or the backend restarted: send the whole plugin again.
        this.print.warn(`the backend no longer holds ${this.name}; sending it again`);
        this.pushed = null;
        this.applied = false;
        this.debouncer.trigger();
        return;
      }
      if (!this.renewFailing) this.print.warn(`✗ could not renew the lease: ${(error as Error).message}`);
      this.renewFailing = true;
    }
  }
}
