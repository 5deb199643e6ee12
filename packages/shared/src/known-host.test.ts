import { describe, expect, it } from 'vitest';
import { hostNameOf, isOkoError, knownHostGuard, parseHostList, unknownHostProblem } from './index.js';

describe('unknownHostProblem (DNS rebinding)', () => {
  it.each(['127.0.0.1:8000', 'localhost:8000', 'LOCALHOST', '[::1]:8000', '192.168.1.20:8000', 'app.localhost:5173', '127.0.0.1'])(
    'knows %s without any setting',
    (host) => {
      expect(unknownHostProblem(host, [])).toBeNull();
    },
  );

  it('refuses a rebound name, whatever the port', () => {
    expect(unknownHostProblem('attacker.example:8000', [])).toMatch(/attacker\.example:8000/);
    expect(unknownHostProblem('localhost.attacker.example', [])).not.toBeNull();
    expect(unknownHostProblem('127.0.0.1.nip.io:8000', [])).not.toBeNull();
  });

  it('refuses a Host that is not a host name', () => {
    expect(unknownHostProblem('evil.example/x', [])).toMatch(/not a host name/);
    expect(unknownHostProblem('', [])).not.toBeNull();
  });

  it('knows the listed names, and a leading dot lists subdomains too', () => {
    const allowed = parseHostList('dashboard.lan, .corp.example', 'OKO_ALLOWED_HOSTS');
    expect(unknownHostProblem('dashboard.lan:8000', allowed)).toBeNull();
    expect(unknownHostProblem('corp.example', allowed)).toBeNull();
    expect(unknownHostProblem('oko.corp.example', allowed)).toBeNull();
    expect(unknownHostProblem('evilcorp.example', allowed)).not.toBeNull();
    expect(unknownHostProblem('other.lan', allowed)).not.toBeNull();
  });

  it('lets a request without Host through: it is not from a browser', () => {
    expect(unknownHostProblem(undefined, [])).toBeNull();
  });
});

describe('parseHostList', () => {
  it('lower-cases names and drops ports', () => {
    expect(parseHostList('Dash.Example:8000,,[::1]', 'X')).toEqual(['dash.example', '[::1]']);
    expect(hostNameOf('Dash.Example:8000')).toBe('dash.example');
  });

  it('names the variable when an entry is not a host name', () => {
    expect(() => parseHostList('https://dash.example/', 'OKO_ALLOWED_HOSTS')).toThrow(/OKO_ALLOWED_HOSTS: 'https:\/\/dash.example\/'/);
  });
});

describe('knownHostGuard', () => {
  it('throws 403 UNKNOWN_HOST naming the setting, for reads too', async () => {
    const hook = knownHostGuard([], 'OKO_ALLOWED_HOSTS');
    const guard = (request: Parameters<typeof hook>[0]) =>
      new Promise<void>((resolve, reject) => hook(request, undefined, (error) => (error ? reject(error) : resolve())));
    const error: unknown = await guard({ headers: { host: 'attacker.example:8000' } }).catch((e: unknown) => e);
    expect(isOkoError(error) && error.code).toBe('UNKNOWN_HOST');
    expect(isOkoError(error) && error.statusCode).toBe(403);
    expect((error as Error).message).toMatch(/OKO_ALLOWED_HOSTS/);
    await expect(guard({ headers: { host: 'localhost:8000' } })).resolves.toBeUndefined();
  });
});
