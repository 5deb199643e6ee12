import { get } from './client.js';
import type { BackendInfo } from './types.js';

export const backendInfo = () => get<BackendInfo>('/api/v1/info', { timeoutMs: 10_000 });
export const backendHealth = () => get<Record<string, unknown>>('/api/v1/health', { timeoutMs: 10_000 });
