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
}

const MIB = 1024 * 1024;

function positiveInt(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) {
    throw new Error(`${name} must be a positive integer, got '${raw}'`);
  }
  return value;
}

export function readStoreIntegrationConfig(env: NodeJS.ProcessEnv = process.env): StoreIntegrationConfig {
  return {
    timeoutMs: positiveInt(env, 'OKO_STORE_TIMEOUT_MS', 3000),
    transferIdleTimeoutMs: positiveInt(env, 'OKO_STORE_TRANSFER_TIMEOUT_MS', 30_000),
    maxUploadBytes: positiveInt(env, 'OKO_STORE_MAX_UPLOAD_MB', 100) * MIB,
  };
}
