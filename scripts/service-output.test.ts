import { describe, expect, it } from 'vitest';
import { lineFormatter } from './service-output.mjs';

// Fastify's two records of a request, as a service logs them.
const incoming = (reqId: string, url: string) =>
  JSON.stringify({ level: 30, time: 0, reqId, req: { method: 'GET', url }, msg: 'incoming request' });
const completed = (reqId: string, statusCode: number) =>
  JSON.stringify({ level: 30, time: 0, reqId, res: { statusCode }, responseTime: 3.2, msg: 'request completed' });

describe('what npm start prints of its services', () => {
  it('leaves out requests that succeeded (a page polls every few seconds) and names a failed one once', async () => {
    const format = await lineFormatter({ colour: false });
    expect(format(incoming('req-1', '/api/v1/plugins'))).toBeNull();
    expect(format(completed('req-1', 200))).toBeNull();
    expect(format(incoming('req-2', '/api/v1/store/x/reviews'))).toBeNull();
    expect(format(completed('req-2', 404))).toMatch(/request failed: GET \/api\/v1\/store\/x\/reviews: 404 in 3 ms$/);
    // Everything else is printed as before.
    expect(format(JSON.stringify({ level: 30, time: 0, msg: 'plugin loaded', plugin: 'notes' }))).toContain('plugin loaded');
    expect(format('a line that is no log record')).toBe('a line that is no log record');
  });

  it("prints both lines of every request with requests: 'all' (OKO_START_REQUESTS=all)", async () => {
    const format = await lineFormatter({ colour: false, requests: 'all' });
    expect(format(incoming('req-1', '/api/v1/plugins'))).toContain('incoming request: GET /api/v1/plugins');
    expect(format(completed('req-1', 200))).toContain('request completed: 200 in 3 ms');
  });
});
