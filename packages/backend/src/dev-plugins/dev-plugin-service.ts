import type { ServerResponse } from 'node:http';
import type { FastifyBaseLogger } from 'fastify';
import {
  addedPermissions,
  createError,
  DEV_LEASE_DEFAULT_S,
  formatIssues,
  normalizePermissions,
  type DevPluginPush,
  type DevPluginRemoved,
  type DevPluginStatus,
  type PluginPermissions,
  type PluginSummary,
} from '@oko/shared';
import type { GrantService } from '../permissions/grant-service.js';
import type { PluginManager } from '../plugin-manager/plugin-manager.js';
import { mapFsError } from '../store-integration/installer/fs-errors.js';
import { DevFolder } from './dev-folder.js';
import { DevStreams, type DevStateSnapshot } from './dev-streams.js';
import { Leases } from './lease.js';
import { checkPush, type CheckedPush } from './push-files.js';
import { checkPushedTree, type PushedTree } from './pushed-tree.js';
import { snapshotOf, statusOf, type Session } from './dev-session.js';
import { findSyntaxError } from './syntax-check.js';

const RUNNING = new Set(['active', 'loading']);

/**
 * Development plugins (README "Development plugins"): `oko-plugin dev` pushes a plugin's files,
 * this service writes them into OKO_DEV_PLUGINS_DIR and loads them through the plugin manager's
 * ordinary path, so sandbox, permissions, memory limits and crash handling are those of an
 * installed plugin. A plugin lives while its lease holds; a backend start removes what is left.
 */
export class DevPlugins {
  private readonly sessions = new Map<string, Session>();
  private readonly folder: DevFolder;
  readonly leases: Leases;
  private readonly streams: DevStreams;

  constructor(
    devDir: string,
    private readonly plugins: PluginManager,
    private readonly grants: GrantService,
    private readonly log: FastifyBaseLogger,
    now: () => number = Date.now,
  ) {
    this.folder = new DevFolder(devDir);
    this.leases = new Leases((name) => this.expire(name), now);
    this.streams = new DevStreams(plugins.logFeed, (name) => this.snapshot(name));
  }

  /** A start: development plugins of the previous run (their CLI is gone with it) and their data are removed. */
  async init(): Promise<void> {
    const names = await this.folder.clear();
    for (const name of names) await this.grants.revoke(name).catch(() => undefined);
    await this.plugins.rescan();
    if (names.length > 0) this.log.info({ removed: names }, 'removed development plugins left by the previous run');
  }

  close(): void {
    this.leases.close();
    this.streams.close();
  }

  /**
   * Applies a push: refused paths or sizes throw before anything is written; manifest.json and
   * ui.yaml problems are answered in `refused` while the last good version keeps running; a good
   * push replaces the running version and reloads it. Pushes of one plugin run one at a time.
   */
  async push(name: string, body: DevPluginPush): Promise<{ status: DevPluginStatus; created: boolean }> {
    const started = performance.now();
    const checked = checkPush(body);
    return this.plugins
      .withPluginLock(name, () => this.pushLocked(name, body, checked, started))
      .catch((error: unknown) => {
        // A full disk or a folder the backend may not write is said as such (507, 500 naming the folder).
        throw mapFsError(error, this.folder.dir);
      });
  }

  private async pushLocked(
    name: string,
    body: DevPluginPush,
    checked: CheckedPush,
    started: number,
  ): Promise<{ status: DevPluginStatus; created: boolean }> {
    await this.plugins.rescan();
    this.assertNameFree(name);
    let session = this.sessions.get(name);
    if (!session && body.replace !== true) {
      throw createError(
        'DEV_PLUGIN_NOT_FOUND',
        `No development plugin '${name}' (its lease may have run out): send every file with replace: true`,
      );
    }
    const staging = await this.folder.stage(name, checked, body.replace === true);
    let tree: PushedTree;
    try {
      tree = await checkPushedTree(name, staging, this.plugins.summaries());
      await this.folder.keep(name, staging);
    } catch (error) {
      await this.folder.discard(staging);
      throw error;
    }
    const created = !session;
    session ??= { generation: 0, version: tree.version, leaseS: DEV_LEASE_DEFAULT_S };
    this.sessions.set(name, session);
    session.leaseS = body.lease_s ?? session.leaseS;
    this.leases.renew(name, session.leaseS);
    if (!tree.manifest) {
      const message = `The push was not applied: ${formatIssues(tree.issues)}`;
      session.refused = { message, issues: tree.issues, at: new Date().toISOString() };
      if (session.generation === 0) session.version = tree.version;
      this.log.info({ plugin: name }, message);
      // No new code runs, so this push has no reload time to report.
      const { reload_ms: _none, ...status } = this.statusOf(name, session);
      return { status, created };
    }
    session.refused = undefined;
    const added = await this.reload(name, session, tree.manifest.version, tree.manifest.permissions);
    session.reloadMs = Math.round(performance.now() - started);
    const status = this.statusOf(name, session);
    return { status: added.length > 0 ? { ...status, permissions_added: added } : status, created };
  }

  /** POST …/lease: the plugin lives `seconds` (default: what its last push asked) more. */
  async renew(name: string, seconds?: number): Promise<DevPluginStatus> {
    const session = this.require(name);
    session.leaseS = seconds ?? session.leaseS;
    this.leases.renew(name, session.leaseS);
    return this.statusOf(name, session);
  }

  status(name: string): DevPluginStatus {
    return this.statusOf(name, this.require(name));
  }

  /** Opens a client's log stream; DEV_PLUGIN_NOT_FOUND before anything is written to `raw`. */
  openStream(name: string, raw: ServerResponse): void {
    this.require(name);
    this.streams.open(name, raw);
  }

  /** DELETE: unloads and removes the plugin, its folder, its data and its grant now. */
  async remove(name: string): Promise<DevPluginRemoved> {
    this.require(name);
    return this.plugins.withPluginLock(name, () => this.removeLocked(name));
  }

  /** Moves time for leases: every plugin whose lease ended by `at` is removed (tests call it with a later time). */
  expireLeases(at?: number): Promise<string[]> {
    return this.leases.expireDue(at);
  }

  private async expire(name: string): Promise<void> {
    await this.plugins
      .withPluginLock(name, async () => {
        // A push that waited for the lock renewed the lease: the plugin stays.
        if (!this.sessions.has(name) || this.leases.endOf(name) !== undefined) return;
        await this.removeLocked(name, 'its lease ran out');
      })
      .catch((error: unknown) => this.log.error({ plugin: name, err: error }, 'could not remove an expired development plugin'));
  }

  private async removeLocked(name: string, why?: string): Promise<DevPluginRemoved> {
    if (!this.sessions.has(name)) throw this.notFound(name);
    const current = this.devPlugin(name);
    if (current && RUNNING.has(current.state)) await this.plugins.unload(name).catch(() => undefined);
    this.sessions.delete(name);
    this.leases.drop(name);
    await this.folder.remove(name);
    await this.grants.revoke(name);
    await this.plugins.rescan();
    const answer: DevPluginRemoved = { status: 'removed', name, message: `Development plugin ${name} removed${why ? `: ${why}` : ''}` };
    this.streams.removed(name, answer);
    this.log.info({ plugin: name }, answer.message);
    return answer;
  }

  /**
   * The pushed tree becomes the running version: stopped, swapped in with one rename, loaded
   * again by the manager's ordinary load. Returns the permissions this push added to the grant:
   * granted for the session without a dialog, since the author is the admin who sent them.
   */
  private async reload(name: string, session: Session, version: string, declared: PluginPermissions | undefined): Promise<string[]> {
    session.generation += 1;
    session.version = version;
    this.streams.stateChanged(name, { state: 'loading', generation: session.generation });
    const current = this.devPlugin(name);
    if (current && RUNNING.has(current.state)) await this.plugins.unload(name);
    const wanted = normalizePermissions(declared);
    const added = addedPermissions(session.granted ?? normalizePermissions(undefined), wanted);
    if (!session.granted || JSON.stringify(session.granted) !== JSON.stringify(wanted)) await this.grants.grant(name, wanted);
    session.granted = wanted;
    await this.folder.deploy(name);
    await this.plugins.rescan();
    const after = this.devPlugin(name);
    // A plugin an admin disabled stays disabled; anything else runs the new code (a failure is its state error).
    if (after && (after.state === 'discovered' || after.state === 'error')) await this.plugins.load(name).catch(() => undefined);
    session.failedAt = await this.locateFailure(name);
    const snapshot = this.snapshot(name);
    if (snapshot) this.streams.stateChanged(name, snapshot);
    return added;
  }

  /** A load that failed without naming a place (an ES module's syntax error): the file and line, found by parsing. */
  private async locateFailure(name: string): Promise<Session['failedAt']> {
    const reason = this.devPlugin(name)?.error?.reason;
    if (!reason || / \(at [^()]+\)$/.test(reason)) return undefined;
    const at = await findSyntaxError(this.folder.livePath(name));
    return at ? { reason, at } : undefined;
  }

  private statusOf(name: string, session: Session): DevPluginStatus {
    return statusOf(name, session, this.devPlugin(name), this.leases.endOf(name) ?? Date.now());
  }

  private snapshot(name: string): DevStateSnapshot | undefined {
    const session = this.sessions.get(name);
    return session && snapshotOf(session, this.devPlugin(name));
  }

  private devPlugin(name: string): PluginSummary | undefined {
    const plugin = this.plugins.peek(name);
    return plugin?.scope === 'dev' ? plugin : undefined;
  }

  /** An installed or builtin plugin keeps its name: a development plugin may not take it over. */
  private assertNameFree(name: string): void {
    const plugin = this.plugins.peek(name);
    if (plugin && plugin.scope !== 'dev') {
      throw createError(
        'PLUGIN_NAME_TAKEN',
        `'${name}' is the name of an installed plugin (${plugin.scope}, version ${plugin.version}); a development plugin needs a name of its own`,
        { details: { installed_plugin: name } },
      );
    }
  }

  private require(name: string): Session {
    const session = this.sessions.get(name);
    if (!session) throw this.notFound(name);
    return session;
  }

  private notFound(name: string) {
    return createError('DEV_PLUGIN_NOT_FOUND', `No development plugin '${name}' (never sent, removed, or its lease ran out)`);
  }
}
