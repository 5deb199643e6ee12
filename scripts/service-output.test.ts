import { describe, expect, it } from 'vitest';
import { lineFormatter } from './service-output.mjs';

// A plugin's ctx.log message becomes the backend's log message, and `npm start` prints it to the
// admin's terminal: an installed plugin must not be able to send that terminal escape sequences
// (clear the screen, move the cursor over the "ready" line, set the title, write the clipboard).
const record = (msg: string) => JSON.stringify({ level: 30, time: Date.now(), plugin: 'evil', msg });

describe("npm start's readable log lines", () => {
  it.each([true, false])('shows the control characters of a message instead of sending them (colour %s)', async (colour) => {
    const format = await lineFormatter({ colour });
    const text = format(record('hi\u001b]52;c;cHduZWQ=\u0007\u001b[2J\rback\u009b31m'));
    // Colour codes of the formatter's own are fine; none of the message's bytes reach the terminal as such.
    /* eslint-disable no-control-regex -- control characters are what this test looks for */
    const withoutOwnColours = (text ?? '').replace(/\u001b\[[0-9;]*m/g, '');
    expect(withoutOwnColours).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    /* eslint-enable no-control-regex */
    expect(withoutOwnColours).toContain('hi\\x1b]52;c;cHduZWQ=\\x07\\x1b[2J\\rback\\x9b31m');
  });
});

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
