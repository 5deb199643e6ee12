import { describe, expect, it } from 'vitest';
import { MAX_TEXT_CHARS } from '../plugin-runtime/limits.js';
import { checkFromHost, checkRouteReply } from './protocol.js';

describe('checkFromHost', () => {
  it.each([
    [{ type: 'ready' }],
    [{ type: 'log', level: 'warn', message: 'hi', data: { a: 1 } }],
    [{ type: 'register-route', method: 'GET', path: '/x/:id' }],
    [{ type: 'reply', id: 3, ok: true, value: undefined }],
    [{ type: 'reply', id: 3, ok: false, message: 'boom' }],
    [{ type: 'emit', topic: 't' }],
    [{ type: 'dropped', logLines: 5, events: 0 }],
  ])('accepts %j', (message) => {
    expect(checkFromHost(message)).toEqual({ ok: true, value: message });
  });

  it.each([
    [{ type: 'log', level: 'level' }, /^an invalid 'log' message \(.*level: must be one of debug, info, warn, error/],
    [{ type: 'log', level: 'info', message: 'x'.repeat(MAX_TEXT_CHARS + 1) }, /^an invalid 'log' message \(message: /],
    [{ type: 'register-route', method: 'TRACE', path: '/x' }, /^an invalid 'register-route' message \(method: must be one of GET/],
    [{ type: 'register-route', method: 'GET', path: 'x' }, /^an invalid 'register-route' message \(path: /],
    [{ type: 'reply', id: 'one', ok: true }, /^an invalid 'reply' message/],
    [{ type: 'emit', topic: 42 }, /^an invalid 'emit' message \(topic: /],
    [{ type: 'dropped', logLines: -1, events: 0 }, /^an invalid 'dropped' message \(logLines: /],
    [{ type: 'constructor' }, /^a message of unknown type 'constructor'$/],
    [{ type: 'exit-backend' }, /^a message of unknown type 'exit-backend'$/],
    [null, /^a message that is not an object/],
    ['ready', /^a message that is not an object/],
    [{ level: 'info' }, /^a message that is not an object with a string type$/],
  ])('refuses %j, saying what is wrong', (message, problem) => {
    const checked = checkFromHost(message);
    expect(checked.ok).toBe(false);
    expect(!checked.ok && checked.problem).toMatch(problem);
  });
});

describe('checkRouteReply', () => {
  it('accepts what the host makes of a route answer, and refuses a forged one', () => {
    expect(checkRouteReply({ status: 204, headers: {} }).ok).toBe(true);
    expect(checkRouteReply({ status: 200, headers: { 'x-a': '1' }, body: { a: 1 } }).ok).toBe(true);
    expect(checkRouteReply({ status: 'teapot', headers: 5 })).toMatchObject({ ok: false, problem: /status: must be integer/ });
    expect(checkRouteReply({ status: 200, headers: { 'x-a': 1 } }).ok).toBe(false);
    expect(checkRouteReply({ status: 99, headers: {} }).ok).toBe(false);
  });
});
