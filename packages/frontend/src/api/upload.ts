import { ApiError, errorFromAnswer } from './client.js';

// fetch cannot report upload progress; XMLHttpRequest can, and a ZIP of tens of MB deserves a bar.

export interface UploadProgress {
  loaded: number;
  total: number;
}

export function uploadWithProgress<T>(path: string, form: FormData, onProgress: (progress: UploadProgress) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', path);
    xhr.setRequestHeader('accept', 'application/json');
    xhr.upload.onprogress = (event) => onProgress({ loaded: event.loaded, total: event.lengthComputable ? event.total : 0 });
    xhr.onerror = () => reject(new ApiError(0, 'NETWORK_ERROR', 'Cannot reach the dashboard backend. Is it running?'));
    xhr.ontimeout = () => reject(new ApiError(0, 'TIMEOUT', 'The upload took too long'));
    xhr.onload = () => {
      let body: unknown;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = undefined;
      }
      if (xhr.status >= 200 && xhr.status < 300) {
        resolve(body as T);
        return;
      }
      reject(errorFromAnswer(xhr.status, body));
    };
    xhr.send(form);
  });
}
