import { ref } from 'vue';

export type ToastTone = 'success' | 'error' | 'warning' | 'info';

export interface Toast {
  id: number;
  tone: ToastTone;
  message: string;
}

// One list for the whole app, drawn by ToastHost outside the layout.
export const toasts = ref<Toast[]>([]);
let nextId = 0;

export function dismissToast(id: number): void {
  toasts.value = toasts.value.filter((toast) => toast.id !== id);
}

/** Errors and warnings stay until dismissed or 10 s: someone who looked away still gets to read them. */
export function showToast(message: string, tone: ToastTone = 'info'): number {
  const id = ++nextId;
  toasts.value = [...toasts.value.slice(-4), { id, tone, message }];
  setTimeout(() => dismissToast(id), tone === 'error' || tone === 'warning' ? 10_000 : 5_000);
  return id;
}
