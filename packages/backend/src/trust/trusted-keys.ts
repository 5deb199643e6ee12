import { mkdir, readdir, readFile, rename } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import { createError, TrustedKey } from '@oko/shared';
import { keyIdOf, parsePublicKey } from '@oko/shared/archive';
import { writeFileAtomic } from '@oko/shared/server';
import { Type } from 'typebox';
import { Value } from 'typebox/value';

const SETTINGS_FILE = 'trusted-keys.json';
const SettingsFile = Type.Object({ keys: Type.Array(TrustedKey) });

/** A parsed Ed25519 public key: its id and its SPKI PEM as node:crypto writes it (one spelling per key). */
export function readPublicKey(pem: string): { keyId: string; pem: string } {
  const key = parsePublicKey(pem);
  return { keyId: keyIdOf(key), pem: key.export({ type: 'spki', format: 'pem' }).toString() };
}

/**
 * The public keys this dashboard trusts: the `*.pem` files of OKO_TRUSTED_KEYS (read at start;
 * removed by deleting the file) and the keys an admin added through /trust/keys, kept in
 * OKO_DATA_DIR/trusted-keys.json. A key is known by its key_id; its name is what badges show.
 */
export class TrustedKeys {
  private folderKeys: TrustedKey[] = [];
  private settingsKeys: TrustedKey[] = [];
  /** Files of the folder by key id, for the 409 that names the file to delete. */
  private readonly folderFiles = new Map<string, string>();
  private writes: Promise<unknown> = Promise.resolve();
  /** Called after a key is added or removed: signature states computed before are stale. */
  onChange: () => void = () => {};

  constructor(
    private readonly dataDir: string,
    private readonly folder: string | null,
    private readonly log: FastifyBaseLogger,
  ) {}

  async init(): Promise<void> {
    await this.readFolder();
    await this.readSettings();
  }

  list(): TrustedKey[] {
    return [...this.folderKeys, ...this.settingsKeys];
  }

  byId(keyId: string): TrustedKey | undefined {
    return this.list().find((key) => key.key_id === keyId);
  }

  /** Adds a key from the admin; 400 for a PEM that is no Ed25519 public key, 409 for one trusted already. */
  add(name: string, publicKey: string): Promise<TrustedKey> {
    return this.serialised(async () => {
      let parsed: { keyId: string; pem: string };
      try {
        parsed = readPublicKey(publicKey);
      } catch (error) {
        throw createError('INVALID_PUBLIC_KEY', `public_key is not an Ed25519 public key in SPKI PEM form: ${(error as Error).message}`);
      }
      const existing = this.byId(parsed.keyId);
      if (existing) {
        throw createError('TRUSTED_KEY_EXISTS', `Key ${parsed.keyId} is already trusted as '${existing.name}' (${existing.source})`, {
          details: { key_id: parsed.keyId, name: existing.name },
        });
      }
      const key: TrustedKey = {
        key_id: parsed.keyId,
        name,
        source: 'settings',
        public_key: parsed.pem,
        added_at: new Date().toISOString(),
      };
      await this.writeSettings([...this.settingsKeys, key]);
      return key;
    });
  }

  /** Removes a key an admin added; a folder key is refused with 409 naming its file. */
  remove(keyId: string): Promise<TrustedKey> {
    return this.serialised(async () => {
      const file = this.folderFiles.get(keyId);
      if (file) {
        throw createError(
          'TRUSTED_KEY_READ_ONLY',
          `Key ${keyId} comes from ${file} (OKO_TRUSTED_KEYS); delete that file to stop trusting it`,
          {
            details: { key_id: keyId, file },
          },
        );
      }
      const key = this.settingsKeys.find((k) => k.key_id === keyId);
      if (!key) throw createError('TRUSTED_KEY_NOT_FOUND', `No trusted key ${keyId}`);
      await this.writeSettings(this.settingsKeys.filter((k) => k !== key));
      return key;
    });
  }

  private serialised<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.writes.then(fn, fn);
    this.writes = next.catch(() => undefined);
    return next;
  }

  private async writeSettings(keys: TrustedKey[]): Promise<void> {
    await mkdir(this.dataDir, { recursive: true });
    await writeFileAtomic(path.join(this.dataDir, SETTINGS_FILE), `${JSON.stringify({ keys }, null, 2)}\n`);
    this.settingsKeys = keys;
    this.onChange();
  }

  /** Each unreadable or non-Ed25519 file is logged and skipped: one bad file does not untrust the others. */
  private async readFolder(): Promise<void> {
    if (!this.folder) return;
    const names = await readdir(this.folder).catch((error: NodeJS.ErrnoException) => {
      this.log.error({ dir: this.folder, problem: error.message }, 'OKO_TRUSTED_KEYS: cannot read the folder; no folder keys are trusted');
      return [] as string[];
    });
    for (const name of names.filter((n) => n.endsWith('.pem')).sort()) {
      const file = path.join(this.folder, name);
      try {
        const parsed = readPublicKey(await readFile(file, 'utf8'));
        if (this.folderFiles.has(parsed.keyId)) {
          this.log.warn({ file }, `OKO_TRUSTED_KEYS: key ${parsed.keyId} is already read from another file; skipped`);
          continue;
        }
        this.folderFiles.set(parsed.keyId, file);
        this.folderKeys.push({ key_id: parsed.keyId, name: name.slice(0, -'.pem'.length), source: 'folder', public_key: parsed.pem });
      } catch (error) {
        this.log.error(
          { file, problem: (error as Error).message },
          `OKO_TRUSTED_KEYS: ${name} is not a readable Ed25519 public key; skipped`,
        );
      }
    }
  }

  /**
   * A corrupt file trusts nothing (fail closed) and is moved aside at start, so the
   * admin's keys are never silently replaced by an empty list without a trace.
   */
  private async readSettings(): Promise<void> {
    const file = path.join(this.dataDir, SETTINGS_FILE);
    const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) =>
      error.code === 'ENOENT' ? null : Promise.reject(error),
    );
    if (text === null) return;
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch {
      data = undefined;
    }
    if (Value.Check(SettingsFile, data)) {
      // Only keys whose id still matches their PEM: a hand-edited id cannot borrow another key's trust.
      this.settingsKeys = data.keys.filter((key) => {
        const ok = (() => {
          try {
            return readPublicKey(key.public_key).keyId === key.key_id;
          } catch {
            return false;
          }
        })();
        if (!ok) this.log.error({ file, key_id: key.key_id }, 'trusted key whose PEM does not match its key_id; skipped');
        return ok;
      });
      return;
    }
    const aside = `${file}.corrupt-${Date.now()}`;
    await rename(file, aside);
    this.log.error({ file, aside }, 'trusted-keys.json is unreadable; moved aside, no added keys are trusted');
  }
}
