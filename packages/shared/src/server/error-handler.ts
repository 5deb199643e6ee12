import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { lingerOnClose } from './linger.js';
import { ErrorStatus, isOkoError, type ApiErrorBody, type ErrorCode } from '../errors.js';

/** Fastify's and @fastify/multipart's own errors, in the project's codes (each carries its status). */
const FRAMEWORK_CODES: Record<string, ErrorCode> = {
  FST_REQ_FILE_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_PARTS_LIMIT: 'PAYLOAD_TOO_LARGE',
  FST_FILES_LIMIT: 'PAYLOAD_TOO_LARGE',
  FST_FIELDS_LIMIT: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_INVALID_MULTIPART_CONTENT_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_MP_PREMATURE_CLOSE: 'UPLOAD_ABORTED',
};

/**
 * The client closed the connection while its body was being read (Node's `aborted` request error):
 * nobody is left to answer, and it is the client's doing, so it is not logged as unexpected.
 */
function isClientAbort(error: FastifyError): boolean {
  return error.code === 'ECONNRESET' && error.message === 'aborted';
}

export interface ErrorHandlerOptions {
  /** Answer a full disk (ENOSPC) as 507 INSUFFICIENT_STORAGE with this message; without it a full disk is an unexpected 500. */
  diskFullMessage?: string;
  /**
   * For a service that takes uploads: after an error, discard the rest of a request body that was
   * not read (upload cut off at the limit, refused early), so a client that sends its whole body
   * before reading (Python's urllib and requests) can finish sending and read the answer instead of
   * a broken pipe. Bounded like nginx's lingering close: past `maxBytes` discarded or `maxMs`, the
   * answer goes out and the connection is closed after it.
   */
  releaseUnreadBody?: UnreadBodyLimits;
}

export interface UnreadBodyLimits {
  maxBytes: number;
  maxMs: number;
}

function body(code: ErrorCode, message: string): ApiErrorBody {
  return { error: { code, message } };
}

/** Any other 4xx Fastify raises (bad JSON, an unknown content type) in the project's codes. */
function codeForStatus(status: number): ErrorCode {
  if (status === 413) return 'PAYLOAD_TOO_LARGE';
  if (status === 415) return 'UNSUPPORTED_MEDIA_TYPE';
  if (status === 404) return 'NOT_FOUND';
  return 'BAD_REQUEST';
}

/**
 * Reads and discards what is left of the request body before the answer goes out, so a client that
 * sends its whole body before reading gets the answer instead of a reset: Node closes a socket
 * right after an answer that says `Connection: close` (or to a request that asked for it), with
 * the client's unread bytes still arriving. Bounded like nginx's lingering close: past `maxBytes`
 * or `maxMs`, or when the declared rest is already larger, the answer goes out with
 * `Connection: close` and the connection ends after it.
 */
function releaseUnreadBody(request: FastifyRequest, reply: FastifyReply, code: string, limits: UnreadBodyLimits): Promise<void> {
  const incoming = request.raw;
  // readableEnded too: inject()'s stand-in request has no `complete`.
  if (incoming.complete || incoming.readableEnded) return Promise.resolve();
  const closeAfterAnswer = () => {
    reply.header('connection', 'close');
    lingerOnClose(incoming.socket, limits.maxMs);
    incoming.resume();
  };
  // A client that stalled or left is not waiting for an answer at the end of its body, and a rest
  // declared larger than the bound would only delay the answer for clients that read as they send.
  const declared = Number(request.headers['content-length']);
  const tooMuchLeft = !incoming.readableDidRead && declared > limits.maxBytes;
  if (code === 'UPLOAD_TIMEOUT' || code === 'UPLOAD_ABORTED' || tooMuchLeft || incoming.socket.destroyed) {
    closeAfterAnswer();
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    let discarded = 0;
    const finish = (wholeBody: boolean) => {
      clearTimeout(timer);
      incoming.off('data', onData);
      incoming.off('end', onEnd);
      incoming.socket.off('close', onCut);
      if (!wholeBody) closeAfterAnswer();
      resolve();
    };
    const onData = (chunk: Buffer) => {
      discarded += chunk.length;
      if (discarded > limits.maxBytes) finish(false);
    };
    const onEnd = () => finish(true);
    const onCut = () => finish(false);
    const timer = setTimeout(onCut, limits.maxMs);
    incoming.on('data', onData);
    incoming.once('end', onEnd);
    incoming.socket.once('close', onCut);
    incoming.resume();
  });
}

/** The status and body for any error a route, hook or Fastify itself throws. */
function answerFor(error: FastifyError, request: FastifyRequest, options: ErrorHandlerOptions): { status: number; payload: ApiErrorBody } {
  if (isOkoError(error)) {
    if (error.statusCode >= 500) request.log.warn({ code: error.code }, error.message);
    return { status: error.statusCode, payload: error.toBody() };
  }
  if (error.validation) {
    return { status: 400, payload: body('VALIDATION_FAILED', `${error.validationContext ?? 'request'} ${error.message}`.trim()) };
  }
  const known = error.code ? FRAMEWORK_CODES[error.code] : undefined;
  if (known) return { status: ErrorStatus[known], payload: body(known, error.message) };
  if (isClientAbort(error))
    return {
      status: ErrorStatus.UPLOAD_ABORTED,
      payload: body('UPLOAD_ABORTED', 'The client closed the connection before its request body ended'),
    };
  if (error.code === 'ENOSPC' && options.diskFullMessage !== undefined) {
    request.log.error({ err: error }, options.diskFullMessage);
    return { status: ErrorStatus.INSUFFICIENT_STORAGE, payload: body('INSUFFICIENT_STORAGE', options.diskFullMessage) };
  }
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
    return { status: error.statusCode, payload: body(codeForStatus(error.statusCode), error.message) };
  }
  request.log.error({ err: error }, 'unexpected error');
  return { status: ErrorStatus.INTERNAL_ERROR, payload: body('INTERNAL_ERROR', 'Internal server error') };
}

/**
 * The one place errors become HTTP answers: `{"error":{"code","message"}}`. OkoErrors keep their
 * status; validation errors are 400; anything unexpected is a 500 whose detail stays in the log.
 */
export function registerErrorHandler(app: FastifyInstance, options: ErrorHandlerOptions = {}): void {
  app.setErrorHandler(async (error: FastifyError, request, reply) => {
    const { status, payload } = answerFor(error, request, options);
    if (options.releaseUnreadBody) await releaseUnreadBody(request, reply, payload.error.code, options.releaseUnreadBody);
    return reply.status(status).send(payload);
  });
}

export function notFoundBody(method: string, url: string): ApiErrorBody {
  return body('ROUTE_NOT_FOUND', `No route ${method} ${url.split('?')[0]}`);
}

/** `app.setNotFoundHandler(notFoundHandler)`: an unknown route in the one error shape. */
export function notFoundHandler(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return reply.status(404).send(notFoundBody(request.method, request.url));
}

/**
 * Errors the router raises before any route or hook runs (a path that is not valid percent-encoding,
 * a path segment over Fastify's 100-character limit): Fastify would answer them in its own shape.
 * Passed to `Fastify({ frameworkErrors })`.
 */
export function frameworkErrorHandler(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH')
    return void reply.status(414).send(body('BAD_REQUEST', 'A path segment is longer than 100 characters'));
  if (error.code === 'FST_ERR_BAD_URL')
    return void reply.status(400).send(body('BAD_REQUEST', 'The request path is not valid percent-encoding'));
  reply.log.error({ err: error }, 'unexpected router error');
  void reply.status(500).send(body('INTERNAL_ERROR', 'Internal server error'));
}
