import { createError, RelayedCatalogEntry, StoreUploadAnswer, type OkoError } from '@oko/shared';
import { Type, type Static, type TSchema } from 'typebox';
import { Compile } from 'typebox/compile';

/*
 * What the backend needs from each store answer, checked before any of it is used. The store is
 * another service: an entry with `size: "big"` or a page without `plugins` must become one clear
 * 502 BAD_STORE_ANSWER, not a TypeError (500) deep in the installer or the reply serializer.
 *
 * The shapes are the shared relayed ones (id, name and version required, the rest typed when
 * present, extra fields allowed), so a store that answers a full entry and one that answers a
 * list summary both pass, and what passes is exactly what the backend's own answers can carry.
 */

export const StoreListAnswer = Type.Object(
  {
    plugins: Type.Array(RelayedCatalogEntry),
    total: Type.Integer({ minimum: 0 }),
    page: Type.Integer({ minimum: 1 }),
    per_page: Type.Integer({ minimum: 1 }),
  },
  { additionalProperties: true },
);
export type StoreListAnswer = Static<typeof StoreListAnswer>;

/** An entry the installer can download: what a relayed entry has, plus the package's size and checksum. */
export const StoreEntryAnswer = Type.Object(
  {
    ...RelayedCatalogEntry.properties,
    size: Type.Integer({ minimum: 0 }),
    sha256: Type.String({ pattern: '^[0-9a-fA-F]{64}$' }),
  },
  { additionalProperties: true },
);
export type StoreEntryAnswer = Static<typeof StoreEntryAnswer>;

/** The two fields of /health every store sends; the others the dashboard shows are taken one by one (catalog/store-health.ts). */
export const StoreHealthAnswer = Type.Object({ version: Type.String(), plugins_count: Type.Integer() }, { additionalProperties: true });
export type StoreHealthAnswer = Static<typeof StoreHealthAnswer>;

export { StoreUploadAnswer };

/** Checks `value` against `schema`, compiled once per schema. */
export class AnswerCheck<T extends TSchema> {
  private readonly validator;

  constructor(
    schema: T,
    private readonly what: string,
  ) {
    this.validator = Compile(schema);
  }

  /** The value typed, or BAD_STORE_ANSWER naming the first field that does not fit. */
  parse(value: unknown, baseUrl: string): Static<T> {
    if (this.validator.Check(value)) return value as Static<T>;
    const first = this.validator.Errors(value)[0];
    const where = first?.instancePath ? `${first.instancePath.slice(1).replace(/\//g, '.')}: ` : '';
    throw badStoreAnswer(baseUrl, `${this.what} does not match the expected shape (${where}${first?.message ?? 'invalid'})`);
  }
}

export function badStoreAnswer(baseUrl: string, detail: string, cause?: unknown): OkoError {
  return createError('BAD_STORE_ANSWER', `Plugin store at ${baseUrl} sent an answer the backend cannot use: ${detail}`, {
    ...(cause === undefined ? {} : { cause }),
  });
}

/**
 * Reads a JSON body of at most `maxBytes`. An announced larger body is refused unread; a chunked
 * one is cut at the first byte past the bound, so a 300 MB catalog never sits in memory.
 */
export async function readBoundedJson(response: Response, maxBytes: number, baseUrl: string): Promise<unknown> {
  return parseJsonAnswer(await readBoundedBytes(response, maxBytes, baseUrl), baseUrl);
}

/** The body's bytes, bounded as readBoundedJson says. */
export async function readBoundedBytes(response: Response, maxBytes: number, baseUrl: string): Promise<Buffer> {
  const announced = Number(response.headers.get('content-length'));
  if (response.headers.has('content-length') && announced > maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    throw badStoreAnswer(baseUrl, `the answer is ${announced} bytes, more than the ${maxBytes} the backend reads`);
  }
  const chunks: Uint8Array[] = [];
  let seen = 0;
  // Leaving the loop early (throw) cancels the stream, which closes the connection.
  for await (const chunk of response.body ?? []) {
    seen += chunk.byteLength;
    if (seen > maxBytes) throw badStoreAnswer(baseUrl, `the answer is longer than the ${maxBytes} bytes the backend reads`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

export function parseJsonAnswer(body: Buffer, baseUrl: string): unknown {
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch (error) {
    throw badStoreAnswer(baseUrl, 'the answer is not JSON', error);
  }
}
