import { describe, expect, it } from 'vitest';
import { createError, errorResponses, ErrorStatus, isErrorCode, readApiError } from './errors.js';

describe('error codes', () => {
  it('gives every error the status its code carries', () => {
    expect(createError('PLUGIN_NOT_FOUND', 'gone').statusCode).toBe(404);
    expect(createError('INSUFFICIENT_STORAGE', 'full').statusCode).toBe(507);
    for (const [code, status] of Object.entries(ErrorStatus)) {
      expect(status, code).toBeGreaterThanOrEqual(400);
      expect(status, code).toBeLessThan(600);
    }
  });

  it('keeps a relayed status only when asked to', () => {
    const relayed = createError('PLUGIN_ALREADY_EXISTS', 'taken', { status: 418 });
    expect(relayed.statusCode).toBe(418);
    expect(relayed.toBody()).toEqual({ error: { code: 'PLUGIN_ALREADY_EXISTS', message: 'taken' } });
  });

  it('tells known codes from anything else', () => {
    expect(isErrorCode('BAD_REQUEST')).toBe(true);
    expect(isErrorCode('toString')).toBe(false);
    expect(isErrorCode(42)).toBe(false);
  });
});

describe('readApiError', () => {
  it('reads the one error shape, details included', () => {
    expect(readApiError({ error: { code: 'X', message: 'm', details: [1] } })).toEqual({ code: 'X', message: 'm', details: [1] });
  });

  it.each([undefined, null, 'text', { error: 'x' }, { error: { code: 1, message: 'm' } }, { error: { code: 'X' } }])(
    'answers undefined for %j',
    (body) => {
      expect(readApiError(body)).toBeUndefined();
    },
  );
});

describe('errorResponses', () => {
  it('groups codes by their status and names them in the docs', () => {
    const answers = errorResponses('PLUGIN_NOT_FOUND', 'NOT_INSTALLED', 'STORE_UNAVAILABLE');
    expect(Object.keys(answers).sort()).toEqual(['404', '503']);
    expect((answers[404] as { description?: string }).description).toContain('PLUGIN_NOT_FOUND | NOT_INSTALLED');
  });
});
