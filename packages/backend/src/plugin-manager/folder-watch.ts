import { watch, type FSWatcher } from 'node:fs';
import type { FastifyBaseLogger } from 'fastify';

/**
 * Calls `onChange` once things calm down after a change in `dir` itself: a plugin folder copied in,
 * renamed or removed by hand, which no operation of the manager reports. Not recursive (an edit
 * inside a plugin folder is caught by the view's age check instead: InstalledView's users rescan
 * when their last scan is old). A folder that cannot be watched (inotify's limit reached, a file
 * system without events) is logged once and left to that age check.
 */
export class FolderWatch {
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly dir: string,
    private readonly debounceMs: number,
    private readonly onChange: () => void,
    private readonly log: FastifyBaseLogger,
  ) {}

  start(): void {
    try {
      // Not persistent: a watch must never keep the process (or a test) alive.
      this.watcher = watch(this.dir, { persistent: false }, () => this.changed());
      this.watcher.on('error', (error) => this.fail(error));
    } catch (error) {
      this.fail(error);
    }
  }

  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.watcher?.close();
    this.watcher = undefined;
  }

  private changed(): void {
    // A copy is many events in a row; one rescan after the last of them is enough.
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.onChange();
    }, this.debounceMs);
    this.timer.unref();
  }

  private fail(error: unknown): void {
    this.log.warn({ err: error, dir: this.dir }, 'cannot watch the plugins folder; hand-copied plugins show up on the next rescan');
    this.close();
  }
}
