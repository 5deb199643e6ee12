import { get, post } from './client.js';
import { uploadWithProgress, type UploadProgress } from './upload.js';
import type { GithubImportRequest, InstallResult, StoreHealth, StoreList, StoreListQuery, StoreUploadResult, UpdateResult } from './types.js';

// /api/v1/store: the backend's store integration (issue 4). The UI never talks to the store
// directly; the backend forwards, with its own API key.

export function listStore(query: StoreListQuery = {}): Promise<StoreList> {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined && value !== '') params.set(key, String(value));
  const search = params.toString();
  return get<StoreList>(search ? `/api/v1/store?${search}` : '/api/v1/store', { timeoutMs: 15_000 });
}
export const storeHealth = () => get<StoreHealth>('/api/v1/store/health', { timeoutMs: 15_000 });
export const installFromStore = (storeId: string) =>
  post<InstallResult>(`/api/v1/store/${encodeURIComponent(storeId)}/install`, undefined, { timeoutMs: 180_000 });
export const updateFromStore = (storeId: string) =>
  post<UpdateResult>(`/api/v1/store/${encodeURIComponent(storeId)}/update`, undefined, { timeoutMs: 180_000 });
export const uninstallPlugin = (id: string) =>
  post<Record<string, unknown>>(`/api/v1/store/${encodeURIComponent(id)}/uninstall`, undefined, { timeoutMs: 60_000 });

export function uploadZip(file: File, onProgress: (progress: UploadProgress) => void): Promise<StoreUploadResult> {
  const form = new FormData();
  form.append('file', file, file.name);
  return uploadWithProgress<StoreUploadResult>('/api/v1/store/upload/zip', form, onProgress);
}

export const importFromGithub = (body: GithubImportRequest) =>
  post<StoreUploadResult>('/api/v1/store/upload/github', body, { timeoutMs: 180_000 });
