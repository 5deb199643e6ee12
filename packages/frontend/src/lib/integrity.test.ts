import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { verifyIntegrity } from './integrity.js';

const bytes = new TextEncoder().encode('document.body.textContent = "hi";');
const sri = (algorithm: string, data: Uint8Array) => `${algorithm}-${createHash(algorithm).update(data).digest('base64')}`;

describe('verifyIntegrity', () => {
  it('accepts a matching sha384, sha256 or sha512', async () => {
    for (const algorithm of ['sha256', 'sha384', 'sha512']) {
      expect(await verifyIntegrity(bytes.buffer, sri(algorithm, bytes))).toEqual({ ok: true });
    }
  });

  it('refuses a hash of other bytes', async () => {
    const result = await verifyIntegrity(bytes.buffer, sri('sha384', new TextEncoder().encode('something else')));
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toMatch(/mismatch/i);
  });

  it('refuses a missing or malformed integrity value', async () => {
    expect((await verifyIntegrity(bytes.buffer, undefined)).ok).toBe(false);
    expect((await verifyIntegrity(bytes.buffer, 'md5-abc')).ok).toBe(false);
  });

  it('checks the strongest algorithm given, as browsers do', async () => {
    const wrong512 = sri('sha512', new TextEncoder().encode('x'));
    expect((await verifyIntegrity(bytes.buffer, `${sri('sha256', bytes)} ${wrong512}`)).ok).toBe(false);
  });
});
