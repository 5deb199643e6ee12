import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isOkoError, type ApiErrorBody, type ErrorCode } from '@oko/shared';

/** Fastify's own 4xx (bad JSON, wrong content type, body too large) in the project's codes. */
function codeForStatus(status: number): ErrorCode {
  if (status === 413) return 'PAYLOAD_TOO_LARGE';
  if (status === 415) return 'UNSUPPORTED_MEDIA_TYPE';
  if (status === 404) return 'NOT_FOUND';
  return 'BAD_REQUEST';
}

/**
 * Errors the router raises before any route or hook runs (a path that is not valid percent-encoding,
 * a path segment over Fastify's 100-character limit): Fastify would answer them in its own shape.
 * Passed to `Fastify({ frameworkErrors })`.
 */
export function frameworkErrorHandler(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const answer = (status: number, code: ErrorCode, message: string) => void reply.status(status).send({ error: { code, message } } satisfies ApiErrorBody);
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') return answer(414, 'BAD_REQUEST', 'A path segment is longer than 100 characters');
  if (error.code === 'FST_ERR_BAD_URL') return answer(400, 'BAD_REQUEST', 'The request path is not valid percent-encoding');
  reply.log.error({ err: error }, 'unexpected router error');
  return answer(500, 'INTERNAL_ERROR', 'Internal server error');
}

/**
 * The one place errors become HTTP answers: `{"error":{"code","message"}}`. Typed OkoErrors keep
 * their status and message; anything unexpected is a 500 whose details stay in the log.
 */
export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (isOkoError(error)) {
      if (error.statusCode >= 500) request.log.warn({ code: error.code }, error.message);
      return reply.status(error.statusCode).send(error.toBody());
    }
    if (error.validation) {
      const body: ApiErrorBody = { error: { code: 'VALIDATION_FAILED', message: `${error.validationContext ?? 'request'} ${error.message}`.trim() } };
      return reply.status(400).send(body);
    }
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      return reply.status(status).send({ error: { code: codeForStatus(status), message: error.message } } satisfies ApiErrorBody);
    }
    request.log.error({ err: error }, 'unexpected error');
    return reply.status(500).send({ error: { code: 'INTERNAL_ERROR', message: 'Internal server error' } } satisfies ApiErrorBody);
  });
}

export function notFoundBody(method: string, url: string): ApiErrorBody {
  return { error: { code: 'ROUTE_NOT_FOUND', message: `No route ${method} ${url.split('?')[0]}` } };
}
