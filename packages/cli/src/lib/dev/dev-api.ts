import { readApiError, type DevPluginPush, type DevPluginRemoved, type DevPluginStatus } from '@oko/shared';
import type { BackendTarget } from '../config.js';
import { CliError, ExitCode } from '../errors.js';
import { printable } from './dev-output.js';

/** A push carries up to DEV_MAX_BYTES; a slow link or a slow reload still answers well within this. */
const ANSWER_TIMEOUT_MS = 60_000;

/** The backend answered with an error: status and code kept, so the session can act on a 404 (lease ran out). */
export class BackendRefusal extends CliError {
  constructor(
    readonly status: number,
    readonly code: string | undefined,
    message: string,
  ) {
    super(ExitCode.BACKEND, message);
  }
}

/** One clear line for each refusal an author can fix, naming what to set. */
function refusal(backend: BackendTarget, status: number, text: string): BackendRefusal {
  const error = readApiError(parseJson(text));
  const detail = printable(error ? `${error.code}: ${error.message}` : text.slice(0, 300));
  if (error?.code === 'DEV_PLUGINS_DISABLED') {
    return new BackendRefusal(
      status,
      error.code,
      `the backend at ${backend.apiBase} does not accept development plugins (${printable(error.message)}); ` +
        'start it with OKO_DEV_PLUGINS=true (they are also allowed on loopback with sign-in off)',
    );
  }
  if (status === 401) {
    return new BackendRefusal(
      status,
      error?.code,
      `the backend asks to sign in (${detail}); pass --token T or set OKO_TOKEN to an admin's API token (POST /api/v1/auth/tokens)`,
    );
  }
  if (status === 403) {
    return new BackendRefusal(status, error?.code, `the backend refused (HTTP 403) ${detail}; development plugins need an admin's token`);
  }
  return new BackendRefusal(status, error?.code, `the backend refused (HTTP ${status}) ${detail}`);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The backend's /dev/plugins routes (README "Development plugins"). */
export class DevApi {
  constructor(private readonly backend: BackendTarget) {}

  get base(): string {
    return this.backend.apiBase;
  }

  private url(name: string, tail = ''): string {
    return `${this.backend.apiBase}/dev/plugins/${encodeURIComponent(name)}${tail}`;
  }

  headers(extra: Record<string, string> = {}): Record<string, string> {
    return { accept: 'application/json', ...(this.backend.token ? { authorization: `Bearer ${this.backend.token}` } : {}), ...extra };
  }

  unreachable(error: unknown): CliError {
    const cause = (error as Error).cause ?? error;
    const reason = (cause as NodeJS.ErrnoException).code ?? (cause as Error).message;
    return new CliError(
      ExitCode.BACKEND,
      `cannot reach the backend at ${this.backend.apiBase}: ${reason} (start it, or pass --backend URL or set OKO_BACKEND_URL)`,
    );
  }

  private async call<T>(method: string, url: string, body?: unknown): Promise<{ status: number; value: T }> {
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: this.headers(body === undefined ? {} : { 'content-type': 'application/json' }),
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(ANSWER_TIMEOUT_MS),
      });
    } catch (error) {
      throw this.unreachable(error);
    }
    const text = await response.text();
    if (!response.ok) throw refusal(this.backend, response.status, text);
    const value = parseJson(text);
    if (value === undefined)
      throw new CliError(ExitCode.BACKEND, `the backend answered HTTP ${response.status} with no JSON: ${text.slice(0, 200)}`);
    return { status: response.status, value: value as T };
  }

  /** PUT /dev/plugins/{name}: 201 for a new development plugin, 200 for a reload. */
  push(name: string, body: DevPluginPush): Promise<{ status: number; value: DevPluginStatus }> {
    return this.call<DevPluginStatus>('PUT', this.url(name), body);
  }

  async renew(name: string): Promise<DevPluginStatus> {
    return (await this.call<DevPluginStatus>('POST', this.url(name, '/lease'))).value;
  }

  async remove(name: string): Promise<DevPluginRemoved> {
    return (await this.call<DevPluginRemoved>('DELETE', this.url(name))).value;
  }

  logsUrl(name: string): string {
    return this.url(name, '/logs');
  }
}
