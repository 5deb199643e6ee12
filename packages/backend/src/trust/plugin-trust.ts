import { stat } from 'node:fs/promises';
import type { FastifyBaseLogger } from 'fastify';
import type { InstalledSignature, OkoError, PluginManifest, SignaturePolicy, TrustedKeyList } from '@oko/shared';
import type { BackendConfig } from '../config.js';
import { UnreadableGrantFile } from '../permissions/grant-store.js';
import type { SignatureGate } from '../plugin-manager/signature-gate.js';
import type { ScannedPlugin } from '../plugin-manager/scanner.js';
import { fileRecordStore } from './file-records.js';
import { judgeFiles, type FilesJudgement } from './judge-files.js';
import { refusalOf, warningOf } from './policy.js';
import { TrustedKeys } from './trusted-keys.js';

/** What an install learnt of a package before placing it: kept as the plugin's file record. */
export interface Admission {
  signature: InstalledSignature;
  /** Under `warn`, for an unsigned or untrusted package. */
  warning?: string;
  files: Record<string, string>;
  version: string;
  /** The admitted folder's device and inode: a rename keeps them, so the placed folder is known as this one. */
  folder: string;
}

/** What the installer needs of the signature check (PluginTrust is it). */
export interface InstallSignaturePort {
  admit(dir: string, manifest: PluginManifest): Promise<Admission>;
  keep(id: string, admission: Admission): Promise<void>;
  forget(id: string): Promise<void>;
}

/**
 * Signatures, trust and tamper detection of installed plugins (README "Signatures and trust"):
 * the trusted keys, each plugin's file record, and the policy. The plugin manager asks it before
 * a plugin's process starts (SignatureGate); the installer before a package is placed.
 */
export class PluginTrust implements SignatureGate, InstallSignaturePort {
  readonly keys: TrustedKeys;
  readonly policy: SignaturePolicy;
  private readonly records;
  /** Per plugin, the state computed for one scan object (the scanner makes a new one when the folder changes). */
  private readonly states = new Map<string, { scan: ScannedPlugin; signature: InstalledSignature }>();
  /**
   * Per plugin, the judgement of the package an install, update or rollback just placed (kept
   * with its file record): the first view of that folder takes it instead of hashing every file
   * again. At most one per plugin; check() (before every start) always hashes.
   */
  private readonly admitted = new Map<string, { folder: string; signature: InstalledSignature }>();

  constructor(
    config: BackendConfig,
    private readonly log: FastifyBaseLogger,
  ) {
    this.keys = new TrustedKeys(config.dataDir, config.trust.trustedKeysDir, log);
    this.keys.onChange = () => {
      this.states.clear();
      this.admitted.clear();
    };
    this.policy = config.trust.signaturePolicy;
    this.records = fileRecordStore(config.dataDir);
  }

  async init(): Promise<void> {
    await this.keys.init();
  }

  keyList(): TrustedKeyList {
    return { keys: this.keys.list(), policy: this.policy };
  }

  async signatureOf(scan: ScannedPlugin): Promise<InstalledSignature> {
    const known = this.states.get(scan.id);
    if (known?.scan === scan) return known.signature;
    const admitted = this.admitted.get(scan.id);
    if (admitted && admitted.folder === (await folderIdentity(scan.dir).catch(() => undefined))) {
      this.admitted.delete(scan.id);
      this.states.set(scan.id, { scan, signature: admitted.signature });
      return admitted.signature;
    }
    return (await this.check(scan)).signature;
  }

  async check(scan: ScannedPlugin): Promise<{ signature: InstalledSignature; refusal?: OkoError }> {
    this.admitted.delete(scan.id);
    const { signature } = await this.judge(scan);
    this.states.set(scan.id, { scan, signature });
    return { signature, refusal: refusalOf(scan.id, signature, this.policy, scan.scope) };
  }

  /** Before an install or update places `dir`: throws INVALID_SIGNATURE or SIGNATURE_REQUIRED. */
  async admit(dir: string, manifest: PluginManifest): Promise<Admission> {
    const folder = await folderIdentity(dir);
    const { signature, files } = await judgeFiles(dir, manifest, undefined, this.keys);
    const refusal = refusalOf(manifest.name, signature, this.policy, 'external');
    if (refusal) throw refusal;
    const warning = warningOf(signature, this.policy);
    return { signature, files, version: manifest.version, folder, ...(warning ? { warning } : {}) };
  }

  /** Keeps `admission` as the record of plugin `id` (an update replaces the previous one). */
  async keep(id: string, admission: Admission): Promise<void> {
    await this.records.write(id, { version: admission.version, recorded_at: new Date().toISOString(), files: admission.files });
    this.states.delete(id);
    // The record is these very hashes, so judging the folder against it would give this signature again.
    this.admitted.set(id, { folder: admission.folder, signature: admission.signature });
  }

  /** Uninstall, or an install that could not place the plugin. */
  async forget(id: string): Promise<void> {
    await this.records.remove(id);
    this.states.delete(id);
    this.admitted.delete(id);
  }

  private async judge(scan: ScannedPlugin): Promise<FilesJudgement> {
    // A development plugin changes on every save, by design: no record to compare with, so never
    // `modified`; a link, a special file or a signature that does not match is still `invalid`.
    if (scan.scope === 'dev') return judgeFiles(scan.dir, scan.manifest, undefined, this.keys);
    let record;
    try {
      record = await this.records.read(scan.id);
    } catch (error) {
      if (!(error instanceof UnreadableGrantFile)) throw error;
      // Fail closed: a record someone damaged must not turn an installed plugin into an unchecked one.
      this.log.error({ plugin: scan.id, err: error }, 'file record unreadable');
      return {
        signature: { state: 'modified', reason: `modified since install: the file record is unreadable (${error.message})` },
        files: {},
      };
    }
    return judgeFiles(scan.dir, scan.manifest, record, this.keys);
  }
}

async function folderIdentity(dir: string): Promise<string> {
  const info = await stat(dir);
  return `${info.dev}:${info.ino}`;
}
