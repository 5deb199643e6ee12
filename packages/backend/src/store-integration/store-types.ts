/**
 * What the backend relies on in the store's answers. Only the fields the backend reads are named;
 * the rest of each catalog entry is passed through to the UI untouched.
 */
export interface StoreCatalogEntry {
  id: string;
  name: string;
  version: string;
  /** Bytes of the normalized ZIP that GET /plugins/{id}/download serves. */
  size: number;
  /** Hex SHA-256 of that same ZIP. */
  sha256: string;
  [key: string]: unknown;
}

export interface StoreCatalogPage {
  plugins: StoreCatalogEntry[];
  /** Matching entries over all pages. */
  total: number;
  page: number;
  per_page: number;
}

export interface StoreCatalogQuery {
  q?: string;
  tag?: string;
  page?: number;
  per_page?: number;
}

export interface StoreHealth {
  status: string;
  version: string;
  plugins_count: number;
  [key: string]: unknown;
}

/** The store's answer to an upload or a GitHub import. */
export interface StoreUploadAnswer {
  success: boolean;
  plugin_id: string;
  message: string;
  plugin: StoreCatalogEntry;
  [key: string]: unknown;
}

export interface GithubImportRequest {
  repo_url: string;
  branch?: string | undefined;
  subdirectory?: string;
}

/** An open package download: the body is read once, as a stream. */
export interface StoreDownload {
  body: AsyncIterable<Uint8Array>;
  /** Content-Length the store announced, if any. */
  contentLength: number | undefined;
  /** X-Checksum-Sha256 the store announced, if any. */
  sha256Header: string | undefined;
  /** Stops the transfer (used when the bytes already disagree with the catalog). */
  cancel: () => void;
}
