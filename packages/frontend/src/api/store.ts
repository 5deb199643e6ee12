import type {
  GithubImportRequest,
  InstallAnswer,
  StoreHealthReport,
  StoreListing,
  StoreListQuery,
  StorePluginView,
  StoreUploadAnswer,
  UninstallAnswer,
  UpdateAnswer,
} from '@oko/shared';
import { get, post } from './client.js';
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
export const installFromStore = (storeId: string) =>
  post<InstallAnswer>(`/api/v1/store/${encodeURIComponent(storeId)}/install`, undefined, { timeoutMs: 180_000 });
/** `acceptPermissions`: the user saw what the new version adds and agreed (else a widening is refused with 409). */
export const updateFromStore = (storeId: string, acceptPermissions = false) =>
  post<UpdateAnswer>(`/api/v1/store/${encodeURIComponent(storeId)}/update`, acceptPermissions ? { accept_permissions: true } : undefined, {
    timeoutMs: 180_000,
  });
export const getStorePlugin = (storeId: string) =>
  get<StorePluginView>(`/api/v1/store/${encodeURIComponent(storeId)}`, { timeoutMs: 15_000 });
export const uninstallPlugin = (id: string) =>
  post<UninstallAnswer>(`/api/v1/store/${encodeURIComponent(id)}/uninstall`, undefined, { timeoutMs: 60_000 });

export function uploadZip(file: File, onProgress: (progress: UploadProgress) => void): Promise<StoreUploadAnswer> {
  const form = new FormData();
  form.append('file', file, file.name);
  return uploadWithProgress<StoreUploadAnswer>('/api/v1/store/upload/zip', form, onProgress);
}

export const importFromGithub = (body: GithubImportRequest) =>
  post<StoreUploadAnswer>('/api/v1/store/upload/github', body, { timeoutMs: 180_000 });
