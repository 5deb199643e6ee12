import {
  createError,
  isValidPluginName,
  type InstallAnswer,
  type RollbackAnswer,
  type UninstallAnswer,
  type UpdateAnswer,
} from '@oko/shared';
import { assertEntryOfRef, assertExpectedEntry, type ExpectedPackage } from '../../versions/expected-package.js';
import type { InstallOptions, PluginUpdatePort, UninstallOptions, UpdateOptions } from '../../versions/ports.js';
import { HealthWindows } from '../../versions/updates/health-windows.js';
import type { StoreEntryAnswer } from '../client/store-answers.js';
import { HealthGate } from './health-gate.js';
import { installEntry } from './install-entry.js';
import { notInstalled } from './install-checks.js';
import { InstallLocks } from './install-locks.js';
import { findInstalledByStoreId } from './install-record.js';
import type { InstallerContext, PluginInstallerOptions } from './installer-context.js';
import { resolveSource, storeSource, type PackageSource } from './package-source.js';
import { PluginsFolder } from './plugins-folder.js';
import { rollbackInstalled, type RollbackOptions } from './rollback.js';
import { removeInstalled } from './uninstall.js';
import { updateEntry } from './update-entry.js';

export type { InstallGrantPort, PluginInstallerOptions } from './installer-context.js';
export type { RollbackOptions } from './rollback.js';

/**
 * Installs store packages into the plugins directory, moves them between versions and removes
 * them again. Every change works in a private `.staging-*` folder inside plugins/ and becomes
 * visible with one rename, so a failure or a crash at any step leaves plugins/ as it was. The
 * parts: install-entry, update-entry (with the health gate), rollback, uninstall.
 */
export class PluginInstaller implements PluginUpdatePort {
  private readonly locks = new InstallLocks();
  private readonly ctx: InstallerContext;
  readonly gate: HealthGate;

  constructor(options: PluginInstallerOptions) {
    this.ctx = { ...options, folder: new PluginsFolder(options.pluginsDir, options.log) };
    this.gate = new HealthGate(this.ctx, new HealthWindows(options.settings, options.healthWindowS ?? 0, options.log));
  }

  get windows(): HealthWindows {
    return this.gate.windows;
  }

  /** `ref` is a catalog id or a plugin name; the store resolves both (with the store down, the package cache). */
  async install(ref: string, options: InstallOptions = {}): Promise<InstallAnswer> {
    return this.withSource(ref, options, (source) => installEntry(this.ctx, source, options.expected, options.installed));
  }

  /**
   * Moves an installed plugin to the catalog version `ref` names (its id, or the plugin name for
   * the newest): newer, or older with allowDowngrade.
   */
  async update(ref: string, options: UpdateOptions = {}): Promise<UpdateAnswer> {
    return this.withSource(ref, options, (source) => updateEntry(this.ctx, this.gate, source, options));
  }

  /** `ref` is the installed plugin's name or the catalog id it was installed from. */
  async uninstall(ref: string, _options: UninstallOptions = {}): Promise<UninstallAnswer> {
    return this.withInstalled(ref, (name) => {
      this.gate.windows.cancel(name);
      return removeInstalled(this.ctx, name);
    });
  }

  /** Back to the version installed before the current one, from the package cache. */
  async rollback(ref: string, options: RollbackOptions = {}): Promise<RollbackAnswer> {
    return this.withInstalled(ref, (name) => rollbackInstalled(this.ctx, this.gate, name, options));
  }

  /**
   * Claims `ref`, resolves its package (which must be `expected`), then claims the entry's id and
   * name for `fn`. An entry the caller already fetched for `ref` is used as is: checked again here,
   * but not asked of the store a second time.
   */
  private async withSource<T>(
    ref: string,
    { expected, entry: fetched }: { expected?: ExpectedPackage; entry?: StoreEntryAnswer },
    fn: (source: PackageSource) => Promise<T>,
  ): Promise<T> {
    const releaseRef = this.locks.claim([`ref:${ref}`], ref);
    try {
      const source = fetched ? storeSource(this.ctx.client, fetched) : await resolveSource(this.ctx.client, this.ctx.cache, ref);
      const { entry } = source;
      if (!isValidPluginName(entry.name)) {
        throw createError('INVALID_PACKAGE', `The store lists a plugin with an invalid name '${entry.name}'`);
      }
      assertEntryOfRef(ref, entry);
      assertExpectedEntry(entry, expected);
      const release = this.locks.claim([`id:${entry.id}`, `name:${entry.name}`], entry.name);
      try {
        return await fn(source);
      } finally {
        release();
      }
    } finally {
      releaseRef();
    }
  }

  private async withInstalled<T>(ref: string, fn: (name: string) => Promise<T>): Promise<T> {
    const releaseRef = this.locks.claim([`ref:${ref}`], ref);
    try {
      const name = await this.resolveInstalledName(ref);
      const release = this.locks.claim([`name:${name}`], name);
      try {
        return await fn(name);
      } finally {
        release();
      }
    } finally {
      releaseRef();
    }
  }

  private async resolveInstalledName(ref: string): Promise<string> {
    if (isValidPluginName(ref) && ((await this.ctx.plugins.get(ref)) || (await this.ctx.folder.has(ref)))) return ref;
    const byRecord = await findInstalledByStoreId(this.ctx.folder.dir, ref);
    if (byRecord) return byRecord;
    throw notInstalled(ref);
  }
}
