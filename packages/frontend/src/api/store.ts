import type {
  GithubImportRequest,
  ReviewList,
  ReviewRequest,
  InstallAnswer,
  InstallRequest,
  StoreHealthReport,
  StoreListing,
  StoreListQuery,
  StorePluginView,
  StoreUploadAnswer,
  UninstallAnswer,
  UpdateAnswer,
  UpdateRequest,
} from '@oko/shared';
import { get, getText, post } from './client.js';
import { uploadWithProgress, type UploadProgress } from './upload.js';

// /api/v1/store: the backend's store integration. The UI never talks to the store directly; the
// backend forwards, with its own API key.

export function listStore(query: StoreListQuery = {}): Promise<StoreListing> {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined && value !== '') params.set(key, String(value));
  const search = params.toString();
  return get<StoreListing>(search ? `/api/v1/store?${search}` : '/api/v1/store', { timeoutMs: 15_000 });
}
export const storeHealth = () => get<StoreHealthReport>('/api/v1/store/health', { timeoutMs: 15_000 });
/** Only the flags that are set are sent: an empty request has no body, as before versions. */
const bodyOf = (request: object) => (Object.values(request).some(Boolean) ? request : undefined);

/** `storeId` names the version to install; `accept_dependencies` after the user saw the plan of DEPENDENCIES_REQUIRED. */
export const installFromStore = (storeId: string, request: InstallRequest = {}) =>
  post<InstallAnswer>(`/api/v1/store/${encodeURIComponent(storeId)}/install`, bodyOf(request), { timeoutMs: 180_000 });
/**
 * Moves the installed plugin to the version `storeId` names. `accept_permissions`: the user saw what
 * it adds and agreed (else a widening is refused with 409); `allow_downgrade` for an older version.
 */
export const updateFromStore = (storeId: string, request: UpdateRequest = {}) =>
  post<UpdateAnswer>(`/api/v1/store/${encodeURIComponent(storeId)}/update`, bodyOf(request), { timeoutMs: 180_000 });
export const getStorePlugin = (storeId: string) =>
  get<StorePluginView>(`/api/v1/store/${encodeURIComponent(storeId)}`, { timeoutMs: 15_000 });
/** `force`: also unload the installed plugins that depend on it (else IN_USE names them). */
export const uninstallPlugin = (id: string, force = false) =>
  post<UninstallAnswer>(`/api/v1/store/${encodeURIComponent(id)}/uninstall${force ? '?force=true' : ''}`, undefined, { timeoutMs: 60_000 });

export function uploadZip(file: File, onProgress: (progress: UploadProgress) => void): Promise<StoreUploadAnswer> {
  const form = new FormData();
  form.append('file', file, file.name);
  return uploadWithProgress<StoreUploadAnswer>('/api/v1/store/upload/zip', form, onProgress);
}

export const importFromGithub = (body: GithubImportRequest) =>
  post<StoreUploadAnswer>('/api/v1/store/upload/github', body, { timeoutMs: 180_000 });

const entry = (storeId: string) => `/api/v1/store/${encodeURIComponent(storeId)}`;

/** The package's README.md as markdown (404 NOT_FOUND when it has none). */
export const getReadme = (storeId: string) => getText(`${entry(storeId)}/readme`, { timeoutMs: 15_000 });
/** Where the README's relative images of that version are served from: images of the package only. */
export const readmeAssetBase = (storeId: string) => `${entry(storeId)}/assets/`;

/** Reviews of plugin `name`, newest first. */
export const listReviews = (name: string, page = 1, perPage = 10) =>
  get<ReviewList>(`${entry(name)}/reviews?page=${page}&per_page=${perPage}`, { timeoutMs: 15_000 });
/** Rates the installed plugin `name` in this dashboard's name; a new post replaces the earlier one. */
export const postReview = (name: string, review: ReviewRequest) => post<unknown>(`${entry(name)}/reviews`, review, { timeoutMs: 15_000 });
