import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { createError } from '../errors.js';
import { frameworkErrorHandler, notFoundHandler, registerErrorHandler, type ErrorHandlerOptions } from './error-handler.js';

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function build(options?: ErrorHandlerOptions): Promise<FastifyInstance> {
  app = Fastify({ logger: false, bodyLimit: 100, frameworkErrors: frameworkErrorHandler });
  registerErrorHandler(app, options);
  app.setNotFoundHandler(notFoundHandler);
  app.get('/oko', async () => {
    throw createError('PLUGIN_NOT_FOUND', "No plugin 'x'");
  });
  app.get('/crash', async () => {
    throw new Error('secret detail');
  });
  app.get('/disk', async () => {
    throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
  });
  app.get('/aborted', async () => {
    throw Object.assign(new Error('aborted'), { code: 'ECONNRESET' });
  });
  app.get('/items/:id', async () => ({ ok: true }));
  app.post('/typed', { schema: { body: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } } } }, async () => ({
    ok: true,
  }));
  await app.ready();
  return app;
}

describe('the shared error handler', () => {
  it('answers an OkoError with its status and body', async () => {
    const res = await (await build()).inject('/oko');
    expect(res.statusCode).toBe(404);
    expect(res.body).toBe('{"error":{"code":"PLUGIN_NOT_FOUND","message":"No plugin \'x\'"}}');
  });

  it('answers a schema failure as 400 VALIDATION_FAILED naming the part of the request', async () => {
    const res = await (await build()).inject({ method: 'POST', url: '/typed', payload: {} });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('VALIDATION_FAILED');
    expect(res.json().error.message).toMatch(/^body .*must have required property 'name'$/);
  });

  it("maps Fastify's own 4xx into the project's codes", async () => {
    const tooLarge = await (await build()).inject({ method: 'POST', url: '/typed', payload: { name: 'x'.repeat(200) } });
    expect(tooLarge.statusCode).toBe(413);
    expect(tooLarge.json().error.code).toBe('PAYLOAD_TOO_LARGE');
    const wrongType = await app!.inject({ method: 'POST', url: '/typed', headers: { 'content-type': 'text/csv' }, payload: 'a,b' });
    expect(wrongType.statusCode).toBe(415);
    expect(wrongType.json().error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    const badJson = await app!.inject({ method: 'POST', url: '/typed', headers: { 'content-type': 'application/json' }, payload: '{' });
    expect(badJson.statusCode).toBe(400);
    expect(badJson.json().error.code).toBe('BAD_REQUEST');
  });

  it('hides an unexpected error behind a 500', async () => {
    const res = await (await build()).inject('/crash');
    expect(res.statusCode).toBe(500);
    expect(res.body).toBe('{"error":{"code":"INTERNAL_ERROR","message":"Internal server error"}}');
  });

  it('answers a client that hung up mid-body as 400 UPLOAD_ABORTED, not as an unexpected error', async () => {
    const res = await (await build()).inject('/aborted');
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('UPLOAD_ABORTED');
  });

  it('answers a full disk as 507 only for a service that says how', async () => {
    expect((await (await build()).inject('/disk')).statusCode).toBe(500);
    await app!.close();
    const res = await (await build({ diskFullMessage: 'The store has no disk space left' })).inject('/disk');
    expect(res.statusCode).toBe(507);
    expect(res.json()).toEqual({ error: { code: 'INSUFFICIENT_STORAGE', message: 'The store has no disk space left' } });
  });

  it('answers an unknown route as 404 ROUTE_NOT_FOUND without its query', async () => {
    const res = await (await build()).inject('/nowhere?x=1');
    expect(res.statusCode).toBe(404);
    expect(res.body).toBe('{"error":{"code":"ROUTE_NOT_FOUND","message":"No route GET /nowhere"}}');
  });

  it("answers the router's own refusals in the one error shape", async () => {
    const badEncoding = await (await build()).inject('/items/%zz');
    expect(badEncoding.statusCode).toBe(400);
    expect(badEncoding.json()).toEqual({ error: { code: 'BAD_REQUEST', message: 'The request path is not valid percent-encoding' } });
    const longSegment = await app!.inject(`/items/${'a'.repeat(101)}`);
    expect(longSegment.statusCode).toBe(414);
    expect(longSegment.json().error.code).toBe('BAD_REQUEST');
  });
});
