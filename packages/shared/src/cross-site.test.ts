import { describe, expect, it } from 'vitest';
import { crossSiteWriteGuard, crossSiteWriteProblem, isOkoError, normalizeOrigin, parseOriginList } from './index.js';

const HOST = { host: '127.0.0.1:8000' };

describe('crossSiteWriteProblem', () => {
  it('lets every safe method through, even cross-site', () => {
    for (const method of ['GET', 'HEAD', 'OPTIONS', 'get']) {
      expect(crossSiteWriteProblem(method, { ...HOST, 'sec-fetch-site': 'cross-site', origin: 'http://evil.example' })).toBeNull();
    }
  });

  it('lets a write without Origin and Sec-Fetch-Site through (curl, the CLI, service to service)', () => {
    expect(crossSiteWriteProblem('POST', HOST)).toBeNull();
    expect(crossSiteWriteProblem('DELETE', {})).toBeNull();
  });

  it('refuses a write the browser marks cross-site, for every unsafe method', () => {
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
      expect(crossSiteWriteProblem(method, { ...HOST, 'sec-fetch-site': 'cross-site' })).toMatch(/Sec-Fetch-Site: cross-site/);
    }
  });

  it('refuses a same-site write (another port of localhost, another subdomain)', () => {
    expect(crossSiteWriteProblem('POST', { ...HOST, 'sec-fetch-site': 'same-site', origin: 'http://127.0.0.1:8001' })).toMatch(/same-site/);
  });

  it('refuses an unknown Sec-Fetch-Site value', () => {
    expect(crossSiteWriteProblem('POST', { ...HOST, 'sec-fetch-site': 'sideways' })).not.toBeNull();
  });

  it('lets same-origin and user-initiated writes through', () => {
    expect(crossSiteWriteProblem('POST', { ...HOST, 'sec-fetch-site': 'same-origin', origin: 'http://127.0.0.1:8000' })).toBeNull();
    expect(crossSiteWriteProblem('POST', { ...HOST, 'sec-fetch-site': 'none' })).toBeNull();
  });

  it('trusts Sec-Fetch-Site over an Origin whose host differs (a dev proxy that rewrites Host)', () => {
    expect(crossSiteWriteProblem('POST', { ...HOST, 'sec-fetch-site': 'same-origin', origin: 'http://localhost:5173' })).toBeNull();
  });

  it('without Sec-Fetch-Site, refuses an Origin on another host or port', () => {
    expect(crossSiteWriteProblem('POST', { ...HOST, origin: 'http://evil.example' })).toMatch(/Origin: http:\/\/evil.example/);
    expect(crossSiteWriteProblem('POST', { ...HOST, origin: 'http://127.0.0.1:8001' })).not.toBeNull();
    expect(crossSiteWriteProblem('POST', { ...HOST, origin: 'http://localhost:8000' })).not.toBeNull();
  });

  it('without Sec-Fetch-Site, refuses Origin: null and an Origin that is not http(s)', () => {
    expect(crossSiteWriteProblem('POST', { ...HOST, origin: 'null' })).toMatch(/opaque/);
    expect(crossSiteWriteProblem('POST', { ...HOST, origin: 'file://' })).not.toBeNull();
    expect(crossSiteWriteProblem('POST', { ...HOST, origin: 'garbage' })).not.toBeNull();
    expect(crossSiteWriteProblem('POST', { ...HOST, origin: ['http://127.0.0.1:8000', 'http://evil.example'] })).not.toBeNull();
  });

  it('refuses an Origin when the request has no Host to compare with', () => {
    expect(crossSiteWriteProblem('POST', { origin: 'http://127.0.0.1:8000' })).not.toBeNull();
  });

  it('without Sec-Fetch-Site, lets an Origin equal to the Host through, default ports and case normalized', () => {
    expect(crossSiteWriteProblem('POST', { ...HOST, origin: 'http://127.0.0.1:8000' })).toBeNull();
    expect(crossSiteWriteProblem('POST', { host: 'Dash.Example', origin: 'https://dash.example' })).toBeNull();
    expect(crossSiteWriteProblem('POST', { host: 'dash.example:443', origin: 'https://dash.example' })).toBeNull();
  });

  it('lets an allow-listed Origin through, cross-site or not', () => {
    const allowed = ['https://store-ui.example'];
    expect(
      crossSiteWriteProblem('POST', { ...HOST, 'sec-fetch-site': 'cross-site', origin: 'https://store-ui.example' }, allowed),
    ).toBeNull();
    expect(crossSiteWriteProblem('POST', { ...HOST, origin: 'https://store-ui.example' }, allowed)).toBeNull();
    expect(
      crossSiteWriteProblem('POST', { ...HOST, 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' }, allowed),
    ).not.toBeNull();
    expect(crossSiteWriteProblem('POST', { ...HOST, 'sec-fetch-site': 'cross-site' }, allowed)).not.toBeNull();
  });

  it('never allow-lists Origin: null', () => {
    expect(crossSiteWriteProblem('POST', { ...HOST, origin: 'null' }, ['null'])).not.toBeNull();
  });
});

describe('origin lists', () => {
  it('normalizes origins as browsers serialize them', () => {
    expect(normalizeOrigin('HTTPS://UI.Example:443/')).toBe('https://ui.example');
    expect(normalizeOrigin('http://ui.example:8080')).toBe('http://ui.example:8080');
    expect(normalizeOrigin('null')).toBeNull();
    expect(normalizeOrigin('http://ui.example/path')).toBeNull();
    expect(normalizeOrigin('ftp://ui.example')).toBeNull();
  });

  it('parses a comma-separated list and names the variable of a bad entry', () => {
    expect(parseOriginList(' https://a.example , http://b.example:8080/ ,', 'OKO_ALLOWED_ORIGINS')).toEqual([
      'https://a.example',
      'http://b.example:8080',
    ]);
    expect(parseOriginList(undefined, 'X')).toEqual([]);
    expect(() => parseOriginList('https://a.example,*', 'OKO_ALLOWED_ORIGINS')).toThrow(/OKO_ALLOWED_ORIGINS: '\*'/);
  });
});

describe('crossSiteWriteGuard', () => {
  const hook = crossSiteWriteGuard(['https://ui.example'], 'OKO_ALLOWED_ORIGINS');
  const guard = (request: Parameters<typeof hook>[0]) =>
    new Promise<void>((resolve, reject) => hook(request, undefined, (error) => (error ? reject(error) : resolve())));

  it('throws 403 CROSS_SITE_REQUEST naming the allow-list variable', async () => {
    const error = await guard({ method: 'POST', headers: { ...HOST, 'sec-fetch-site': 'cross-site' } }).catch((e: unknown) => e);
    expect(isOkoError(error) && [error.code, error.statusCode]).toEqual(['CROSS_SITE_REQUEST', 403]);
    expect((error as Error).message).toMatch(/OKO_ALLOWED_ORIGINS/);
  });

  it('resolves for a request that may pass', async () => {
    await expect(
      guard({ method: 'POST', headers: { ...HOST, 'sec-fetch-site': 'cross-site', origin: 'https://ui.example' } }),
    ).resolves.toBeUndefined();
    await expect(guard({ method: 'GET', headers: { ...HOST, 'sec-fetch-site': 'cross-site' } })).resolves.toBeUndefined();
  });
});
