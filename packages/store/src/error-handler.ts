import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isOkoError, type ApiErrorBody, type ErrorCode } from '@oko/shared';

/** Fastify's and @fastify/multipart's own errors, in the project's codes. */
const KNOWN: Record<string, { code: ErrorCode; status: number }> = {
  FST_REQ_FILE_TOO_LARGE: { code: 'PAYLOAD_TOO_LARGE', status: 413 },
  FST_PARTS_LIMIT: { code: 'PAYLOAD_TOO_LARGE', status: 413 },
  FST_FILES_LIMIT: { code: 'PAYLOAD_TOO_LARGE', status: 413 },
  FST_FIELDS_LIMIT: { code: 'PAYLOAD_TOO_LARGE', status: 413 },
  FST_ERR_CTP_BODY_TOO_LARGE: { code: 'PAYLOAD_TOO_LARGE', status: 413 },
  FST_INVALID_MULTIPART_CONTENT_TYPE: { code: 'UNSUPPORTED_MEDIA_TYPE', status: 415 },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { code: 'UNSUPPORTED_MEDIA_TYPE', status: 415 },
  FST_MP_PREMATURE_CLOSE: { code: 'UPLOAD_ABORTED', status: 400 },
  ENOSPC: { code: 'INSUFFICIENT_STORAGE', status: 507 },
};

function body(code: ErrorCode, message: string, details?: unknown): ApiErrorBody {
  return { error: details === undefined ? { code, message } : { code, message, details } };
}

/**
 * A request whose body was not read to the end (upload cut off at the limit, refused early):
 * discard the rest so the client can finish sending and read the answer, and close the
 * connection when the rest is unbounded or the client stalls.
 */
function releaseUnreadBody(request: FastifyRequest, reply: FastifyReply, code: ErrorCode): void {
  if (request.raw.complete) return;
  if (code === 'UPLOAD_TIMEOUT' || code === 'UPLOAD_ABORTED' || request.headers['content-length'] === undefined) {
    reply.header('connection', 'close');
  }
  request.raw.resume();
}

/**
 * Errors the router raises before any route or hook runs (a path that is not valid percent-encoding,
 * a path segment over Fastify's 100-character limit): Fastify would answer them in its own shape.
 * Passed to `Fastify({ frameworkErrors })`.
 */
export function frameworkErrorHandler(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') return void reply.status(414).send(body('BAD_REQUEST', 'A path segment is longer than 100 characters'));
  if (error.code === 'FST_ERR_BAD_URL') return void reply.status(400).send(body('BAD_REQUEST', 'The request path is not valid percent-encoding'));
  reply.log.error({ err: error }, 'unexpected router error');
  void reply.status(500).send(body('INTERNAL_ERROR', 'Internal server error'));
}

/**
 * The one place errors become HTTP answers: `{"error":{"code","message"}}`. OkoErrors keep their
 * status; Fastify validation errors are 400; anything unexpected is a 500 whose detail stays in the log.
 */
export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    let status: number;
    let payload: ApiErrorBody;
    const known = error.code ? KNOWN[error.code] : undefined;
    if (isOkoError(error)) {
      status = error.statusCode;
      payload = error.toBody();
      if (status >= 500) request.log.warn({ code: error.code }, error.message);
    } else if (error.validation) {
      status = 400;
      payload = body('VALIDATION_FAILED', `${error.validationContext ?? 'request'} ${error.message}`.trim());
    } else if (known) {
      status = known.status;
      payload = body(known.code, known.code === 'INSUFFICIENT_STORAGE' ? 'The store has no disk space left' : error.message);
      if (status >= 500) request.log.error({ err: error }, payload.error.message);
    } else if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
      status = error.statusCode;
      payload = body(status === 404 ? 'NOT_FOUND' : 'BAD_REQUEST', error.message);
    } else {
      request.log.error({ err: error }, 'unexpected error');
      status = 500;
      payload = body('INTERNAL_ERROR', 'Internal server error');
    }
    releaseUnreadBody(request, reply, payload.error.code as ErrorCode);
    return reply.status(status).send(payload);
  });

  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send(body('ROUTE_NOT_FOUND', `No route ${request.method} ${request.url.split('?')[0]}`)),
  );
}
