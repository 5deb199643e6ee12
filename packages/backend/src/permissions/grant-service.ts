import type { FastifyBaseLogger } from 'fastify';
import {
  addedPermissions,
  createError,
  describePermission,
  intersectPermissions,
  normalizePermissions,
  PermissionSet,
  type PluginEnvAnswer,
  type PluginPermissions,
} from '@oko/shared';
import { Type } from 'typebox';
import type { GrantSource, PluginGrant } from '../plugin-manager/plugin-grant.js';
import { PluginFileStore, UnreadableGrantFile } from './grant-store.js';

const GrantFile = Type.Object({ format: Type.Literal(1), permissions: PermissionSet, granted_at: Type.String() });
const EnvFile = Type.Object({ format: Type.Literal(1), values: Type.Record(Type.String(), Type.String()) });

const NOTHING = normalizePermissions(undefined);
const APPLIES = "Values apply on the plugin's next load (reload it to use them now)";

export interface PermissionsView {
  declared: PermissionSet;
  granted: PermissionSet;
  recorded: boolean;
}

/**
 * The granted set and the admin-entered env values of each plugin (README "Permissions").
 * Install records what the package declares; an update may widen it only with consent. A plugin
 * with no record (copied in by hand, or installed before grants existed) gets what it declares:
 * putting a folder into plugins/ is the admin's consent. A process never gets more than its
 * manifest declares now, nor more than was granted.
 */
export class GrantService {
  private readonly grants: PluginFileStore<typeof GrantFile>;
  private readonly env: PluginFileStore<typeof EnvFile>;

  constructor(
    dataDir: string,
    private readonly log: FastifyBaseLogger,
  ) {
    this.grants = new PluginFileStore(dataDir, 'grants', GrantFile);
    this.env = new PluginFileStore(dataDir, 'plugin-env', EnvFile);
  }

  /** For PluginManager: what a plugin's process starts with. */
  readonly grantsFor: GrantSource = async (record) => this.processGrant(record.scan.id, record.scan.manifest?.permissions);

  async processGrant(id: string, declared: PluginPermissions | undefined): Promise<PluginGrant> {
    const { granted } = await this.view(id, declared);
    const stored = await this.envValues(id);
    const env: Record<string, string> = {};
    for (const name of granted.env) if (stored[name] !== undefined) env[name] = stored[name];
    return { permissions: granted, env };
  }

  async view(id: string, declared: PluginPermissions | undefined): Promise<PermissionsView> {
    const record = await this.recorded(id);
    const declaredSet = normalizePermissions(declared);
    return {
      declared: declaredSet,
      granted: record ? intersectPermissions(record, declaredSet) : declaredSet,
      recorded: record !== undefined,
    };
  }

  /** What `id` holds: its recorded grant, or `declared` (its installed manifest's) when none was recorded. */
  async heldBy(id: string, declared: PluginPermissions | undefined): Promise<PermissionSet> {
    return (await this.recorded(id)) ?? normalizePermissions(declared);
  }

  /** 409 PERMISSIONS_CHANGED naming each permission `requested` adds to what `held`, unless accepted. */
  assertNoWidening(id: string, held: PluginPermissions, requested: PluginPermissions | undefined, accepted: boolean): void {
    const added = addedPermissions(held, requested);
    if (added.length === 0 || accepted) return;
    const words = added.map(describePermission);
    throw createError(
      'PERMISSIONS_CHANGED',
      `The new version of '${id}' asks for more than it was granted: ${words.join('; ')}. ` +
        'Send {"accept_permissions": true} to grant them and update.',
      { details: { added, descriptions: words } },
    );
  }

  /** Records `permissions` as the plugin's grant (install, update); narrower sets narrow it. */
  async grant(id: string, permissions: PluginPermissions | undefined): Promise<PermissionSet> {
    const set = normalizePermissions(permissions);
    await this.grants.serialised(id, () => this.grants.write(id, { format: 1, permissions: set, granted_at: new Date().toISOString() }));
    return set;
  }

  /** Uninstall: the grant and the env values go with the plugin. */
  async revoke(id: string): Promise<void> {
    await this.grants.serialised(id, () => this.grants.remove(id));
    await this.env.serialised(id, () => this.env.remove(id));
  }

  envAnswer(id: string, declared: PluginPermissions | undefined, values: Record<string, string>): PluginEnvAnswer {
    const names = normalizePermissions(declared).env;
    return { plugin_id: id, variables: names.map((name) => ({ name, set: values[name] !== undefined })), message: APPLIES };
  }

  async envOf(id: string, declared: PluginPermissions | undefined): Promise<PluginEnvAnswer> {
    return this.envAnswer(id, declared, await this.envValues(id));
  }

  /** Sets (a string) or removes (null or '') values of names the plugin declares; refuses any other name. */
  async setEnv(id: string, declared: PluginPermissions | undefined, changes: Record<string, string | null>): Promise<PluginEnvAnswer> {
    const names = normalizePermissions(declared).env;
    const unknown = Object.keys(changes).filter((name) => !names.includes(name));
    if (unknown.length > 0) {
      const allowed = names.length > 0 ? `it declares ${names.join(', ')}` : 'it declares none';
      throw createError(
        'ENV_NOT_DECLARED',
        `Plugin '${id}' does not declare ${unknown.join(', ')} in manifest.json permissions.env (${allowed})`,
        {
          details: { undeclared: unknown, declared: names },
        },
      );
    }
    const values = await this.env.serialised(id, async () => {
      const next = { ...(await this.envValues(id)) };
      for (const [name, value] of Object.entries(changes)) {
        if (value === null || value === '') delete next[name];
        else next[name] = value;
      }
      await this.env.write(id, { format: 1, values: next });
      return next;
    });
    return this.envAnswer(id, declared, values);
  }

  /** A grant file that cannot be read grants nothing: safer than guessing, and the log says why. */
  private async recorded(id: string): Promise<PermissionSet | undefined> {
    try {
      return (await this.grants.read(id))?.permissions;
    } catch (error) {
      if (!(error instanceof UnreadableGrantFile)) throw error;
      this.log.error({ plugin: id }, `${error.message}; the plugin is granted nothing until it is installed or updated again`);
      return NOTHING;
    }
  }

  private async envValues(id: string): Promise<Record<string, string>> {
    try {
      return (await this.env.read(id))?.values ?? {};
    } catch (error) {
      if (!(error instanceof UnreadableGrantFile)) throw error;
      this.log.error({ plugin: id }, `${error.message}; the plugin's env values are ignored until they are entered again`);
      return {};
    }
  }
}
