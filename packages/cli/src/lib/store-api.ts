import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { readApiError, type GithubImportRequest, type UploadResult } from '@oko/shared';
import type { StoreTarget } from './config.js';
import { CliError, ExitCode } from './errors.js';

const ANSWER_TIMEOUT_MS = 120_000;
const MAX_ANSWER_BYTES = 1024 * 1024;

function authHeaders(store: StoreTarget): Record<string, string> {
  if (store.token) return { authorization: `Bearer ${store.token}` };
  return store.apiKey ? { 'x-api-key': store.apiKey } : {};
}

function unreachable(store: StoreTarget, error: unknown): CliError {
  const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
  return new CliError(ExitCode.STORE, `cannot reach the store at ${store.apiBase}: ${reason}`);
}

/** Maps the store's `{error:{code,message}}` (or anything else it sent) to one clear line. */
function refused(status: number, text: string): CliError {
  const error = readApiError(parseJson(text));
  // Not the error shape (a proxy's HTML page, say): show its start as it is.
  const detail = error ? `${error.code}: ${error.message}` : text.slice(0, 500);
  return new CliError(ExitCode.STORE, `the store refused (HTTP ${status}) ${detail}`.trim());
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function parseAnswer(status: number, text: string): UploadResult {
  if (status >= 400) throw refused(status, text);
  const answer = parseJson(text) as UploadResult | undefined;
  if (typeof answer?.plugin_id === 'string') return answer;
  throw new CliError(ExitCode.STORE, `the store answered HTTP ${status} without a plugin_id: ${text.slice(0, 200)}`);
}

async function readText(response: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_ANSWER_BYTES) throw new CliError(ExitCode.STORE, 'the store sent an answer larger than 1 MiB');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Streams a ZIP to POST {store}/plugins/upload/zip as multipart field `file`, never holding it in
 * memory. The body length is known up front (head + file + tail), so no chunked encoding is needed
 * and the store can refuse an oversized upload before reading it.
 */
export async function uploadZip(
  store: StoreTarget,
  zipFile: string,
  onProgress: (sent: number, total: number) => void,
): Promise<UploadResult> {
  const size = (await stat(zipFile)).size;
  const boundary = `oko-plugin-${randomUUID()}`;
  const filename = path.basename(zipFile).replace(/["\r\n]/g, '_');
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: application/zip\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const url = new URL(`${store.apiBase}/plugins/upload/zip`);
  const client = url.protocol === 'https:' ? https : http;
  // A keep-alive connection on purpose: on `Connection: close` a store that refuses early (413, 401)
  // closes the socket with our unread bytes in it, the kernel resets it, and the answer is lost (EPIPE).
  const agent = new client.Agent({ keepAlive: true, maxSockets: 1 });
  const request = client.request(url, {
    method: 'POST',
    agent,
    headers: {
      'content-type': `multipart/form-data; boundary=${boundary}`,
      'content-length': String(head.length + size + tail.length),
      accept: 'application/json',
      ...authHeaders(store),
    },
  });
  request.setTimeout(ANSWER_TIMEOUT_MS, () => request.destroy(new Error(`no answer within ${ANSWER_TIMEOUT_MS / 1000} s`)));

  let answered = false;
  const response = new Promise<IncomingMessage>((resolve, reject) => {
    request.once('response', (res) => {
      answered = true;
      resolve(res);
    });
    request.once('error', reject);
  });
  response.catch(() => {});

  try {
    request.write(head);
    let sent = 0;
    onProgress(0, size);
    for await (const chunk of createReadStream(zipFile) as AsyncIterable<Buffer>) {
      // The store may answer early (413, 401) and stop reading: then stop sending too.
      if (answered) break;
      if (!request.write(chunk)) await Promise.race([new Promise((r) => request.once('drain', r)), response]);
      sent += chunk.length;
      onProgress(sent, size);
    }
    if (!answered) request.end(tail);
  } catch {
    // A write failed because the store closed the connection; its answer (if any) explains why.
  }

  let res: IncomingMessage;
  try {
    res = await response;
  } catch (error) {
    agent.destroy();
    throw unreachable(store, error);
  }
  try {
    return parseAnswer(res.statusCode ?? 0, await readText(res));
  } finally {
    request.destroy();
    agent.destroy();
  }
}

/** Asks the store to import a plugin from GitHub: POST {store}/plugins/upload/github. */
export async function importFromGithub(store: StoreTarget, body: GithubImportRequest): Promise<UploadResult> {
  let response: Response;
  try {
    response = await fetch(`${store.apiBase}/plugins/upload/github`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', ...authHeaders(store) },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(ANSWER_TIMEOUT_MS),
    });
  } catch (error) {
    throw unreachable(store, (error as Error).cause ?? error);
  }
  return parseAnswer(response.status, await response.text());
}
