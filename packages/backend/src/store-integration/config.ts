import { parseEnv } from '@oko/shared/server';
import { Type, type Static } from 'typebox';

/**
 * The store integration's settings, read once from the environment at startup.
 * The backend's src/config.ts owns the store URL and API key; these are the knobs only the
 * store integration needs, kept here so the plugin manager's config stays about plugins.
 */
export interface StoreIntegrationConfig {
  /** Bound on every short store call (catalog, entry, health): connect + whole answer. */
  timeoutMs: number;
  /**
   * Bound on long transfers (package download, forwarded uploads, GitHub import): no byte for this
   * long aborts the transfer. Kept separate so a slow but moving download is not cut at 3 s.
   */
  transferIdleTimeoutMs: number;
  /** Largest upload the backend forwards to the store; bigger ones answer 413 before the store sees them. */
  maxUploadBytes: number;
  /**
   * Largest package the backend downloads, whatever the catalog entry claims: the store is another
   * service, and an entry saying 50 GB must not be allowed to fill this host's disk.
   */
  maxPackageBytes: number;
  /** Bound on one whole download. The idle bound alone lets a store that drips a byte a second hold an install for ever. */
  downloadTimeoutMs: number;
  /** Largest JSON answer (catalog page, entry, health) the backend reads; a bigger one is BAD_STORE_ANSWER, not held in memory. */
  maxAnswerBytes: number;
  /**
   * A catalog page confirmed by the store this recently is served without asking it again
   * (client/conditional-answers.ts): one conditional request per query per window, however many
   * browsers ask. 0 = ask on every request.
   */
  catalogRevalidateMs: number;
}

const MIB = 1024 * 1024;

/** The variables behind StoreIntegrationConfig; the backend's own schema includes them (README, Store integration). */
export const StoreIntegrationEnv = Type.Object({
  OKO_STORE_TIMEOUT_MS: Type.Integer({
    minimum: 1,
    default: 3000,
    description: 'bound on each catalog/health call, connect and answer together',
  }),
  OKO_STORE_TRANSFER_TIMEOUT_MS: Type.Integer({
    minimum: 1,
    default: 30_000,
    description: 'a download or forwarded upload that moves no byte for this long is aborted',
  }),
  OKO_STORE_MAX_UPLOAD_MB: Type.Integer({ minimum: 1, default: 100, description: 'largest request body /store/upload/zip forwards' }),
  OKO_STORE_MAX_PACKAGE_MB: Type.Integer({
    minimum: 1,
    default: 100,
    description: 'largest package an install or update downloads, whatever the catalog entry claims',
  }),
  OKO_STORE_DOWNLOAD_TIMEOUT_MS: Type.Integer({
    minimum: 1,
    default: 600_000,
    description: 'bound on one whole package download, however steadily it moves',
  }),
  OKO_STORE_MAX_ANSWER_MB: Type.Integer({
    minimum: 1,
    default: 16,
    description: 'largest JSON answer (catalog page, entry, health) read from the store',
  }),
  OKO_STORE_CATALOG_REVALIDATE_MS: Type.Integer({
    minimum: 0,
    maximum: 60_000,
    default: 500,
    description:
      "a catalog page the store confirmed this recently is served without asking again; this backend's own uploads and reviews are seen at once",
  }),
});

/** The settings from variables the backend's config already parsed. */
export function storeIntegrationConfig(vars: Static<typeof StoreIntegrationEnv>): StoreIntegrationConfig {
  return {
    timeoutMs: vars.OKO_STORE_TIMEOUT_MS,
    transferIdleTimeoutMs: vars.OKO_STORE_TRANSFER_TIMEOUT_MS,
    maxUploadBytes: vars.OKO_STORE_MAX_UPLOAD_MB * MIB,
    maxPackageBytes: vars.OKO_STORE_MAX_PACKAGE_MB * MIB,
    downloadTimeoutMs: vars.OKO_STORE_DOWNLOAD_TIMEOUT_MS,
    maxAnswerBytes: vars.OKO_STORE_MAX_ANSWER_MB * MIB,
    catalogRevalidateMs: vars.OKO_STORE_CATALOG_REVALIDATE_MS,
  };
}

export function readStoreIntegrationConfig(env: NodeJS.ProcessEnv = process.env): StoreIntegrationConfig {
  return storeIntegrationConfig(parseEnv(StoreIntegrationEnv, env));
}
