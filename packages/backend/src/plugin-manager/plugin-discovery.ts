import { FolderWatch } from './folder-watch.js';
import { InstalledView, type InstalledSnapshot } from './installed-view.js';
import type { ManagerContext } from './manager-context.js';
import { applyOne, applyScan, type ScanEffects } from './scan-apply.js';
import { ScanCoalescer } from './scan-coalescer.js';
import { PluginScanner } from './scanner.js';

/** A hand copy is many folder events; one rescan this long after the last. */
const WATCH_DEBOUNCE_MS = 100;
/** installedView() rescans in the background when the last scan is older: edits inside a plugin folder are not watched. */
const VIEW_MAX_AGE_MS = 1000;

/**
 * Keeps the manager's records in line with the plugin folders: rescans of every root (concurrent
 * callers share them), one folder after an operation that changed only it, the watch of the
 * plugins folder, and the installed view built from the records.
 */
export class PluginDiscovery {
  private readonly scanner = new PluginScanner();
  private readonly scans = new ScanCoalescer((held) => this.scanAll(held));
  private readonly view: InstalledView;
  private readonly folderWatch: FolderWatch;
  /** performance.now() when the last scan started. */
  private lastScanAt = 0;

  constructor(
    private readonly context: ManagerContext,
    private readonly effects: ScanEffects,
  ) {
    this.view = new InstalledView(context.records);
    this.folderWatch = new FolderWatch(context.config.pluginsDir, WATCH_DEBOUNCE_MS, () => this.backgroundRescan(), context.log);
  }

  watch(): void {
    this.folderWatch.start();
  }

  close(): void {
    this.folderWatch.close();
  }

  /** Every root read again; the answer reflects the disk as it was at the call. */
  rescan(): Promise<void> {
    return this.scans.request(this.context.locks.heldIds());
  }

  /** The folder of plugin `id` read again, and no other (a valid id: the caller checked it). */
  async discover(id: string): Promise<void> {
    // A scan that read the plugins folder before the caller changed it must not land after this.
    await this.scans.settled();
    const { pluginsDir, builtinPluginsDir, devPluginsDir } = this.context.config;
    const scan = await this.scanner.scanOne(id, pluginsDir, builtinPluginsDir, devPluginsDir);
    await applyOne(this.context, id, scan, this.context.locks.heldIds(), this.effects);
  }

  /** The view, and a rescan in the background when the last one is old (its result is the next caller's). */
  installedView(): InstalledSnapshot {
    if (performance.now() - this.lastScanAt > VIEW_MAX_AGE_MS) this.backgroundRescan();
    return this.view.current();
  }

  private backgroundRescan(): void {
    if (this.context.shuttingDown) return;
    this.rescan().catch((error: unknown) => this.context.log.warn({ err: error }, 'rescan of the plugins folder failed'));
  }

  private async scanAll(held: ReadonlySet<string>): Promise<void> {
    this.lastScanAt = performance.now();
    const { pluginsDir, builtinPluginsDir, devPluginsDir } = this.context.config;
    const found = await this.scanner.scan(pluginsDir, builtinPluginsDir, devPluginsDir);
    await applyScan(this.context, found, held, this.effects);
  }
}
