// How `npm start` prints what its services write: each JSON log line made readable by pino-pretty,
// each line prefixed with the service's name. The services themselves keep logging JSON (what a
// log collector wants in production); only this launcher's terminal gets the readable form.
import { createInterface } from 'node:readline';

/**
 * A function from one line a service wrote to the text to print (without the prefix), or null to
 * print nothing. pino-pretty is a development dependency: where it is absent (`npm ci --omit=dev`),
 * lines pass through unchanged.
 *
 * Requests: an open page polls every few seconds, and two lines per request buried the "ready" line
 * and every plugin's own lines within a minute. With `requests: 'failed'` (the launcher's default)
 * a request is printed once, when it completed with a status of 400 or more
 * (`request failed: GET /api/v1/store/x: 404 in 3 ms`); `'all'` prints both lines of each. One
 * formatter per service: request ids repeat across processes.
 * @param {{ colour: boolean, requests?: 'failed' | 'all' }} options
 * @returns {Promise<(line: string) => string | null>}
 */
export async function lineFormatter({ colour, requests = 'failed' }) {
  try {
    const { prettyFactory } = await import('pino-pretty');
    const pretty = prettyFactory({
      colorize: colour,
      translateTime: 'SYS:HH:MM:ss',
      singleLine: true,
      // Fastify's request records in a few words: `incoming request: GET /api/v1/plugins`,
      // `request completed: 200 in 12 ms`, instead of their objects.
      ignore: 'pid,hostname,reqId,req,res,responseTime',
      messageFormat: (log, key) => {
        const message = visibleControls(String(log[key] ?? ''));
        if (log.req) return `${message}: ${log.req.method} ${log.req.url}`;
        if (log.res) return `${message}: ${log.res.statusCode} in ${Math.round(Number(log.responseTime))} ms`;
        return message;
      },
    });
    /** reqId -> `GET /url` of the requests still running, to name a failed one when it completes. */
    const running = new Map();
    // Not every line is a log record (a stack trace on stderr, a warning from Node): pass those on.
    return (line) => {
      if (!line.startsWith('{')) return line;
      if (requests === 'all') return pretty(line).trimEnd();
      let record;
      try {
        record = JSON.parse(line);
      } catch {
        return pretty(line).trimEnd();
      }
      if (record.reqId !== undefined && record.req) {
        running.set(record.reqId, `${record.req.method} ${record.req.url}`);
        // A request that never completes (the process is killed) must not hold memory for ever.
        if (running.size > 1000) running.delete(running.keys().next().value);
        return null;
      }
      if (record.reqId !== undefined && record.res) {
        const what = running.get(record.reqId);
        running.delete(record.reqId);
        if (Number(record.res.statusCode) < 400) return null;
        return pretty(JSON.stringify({ ...record, msg: `request failed: ${what ?? 'a request'}` })).trimEnd();
      }
      return pretty(line).trimEnd();
    };
  } catch {
    return (line) => line;
  }
}

/**
 * A message with its control characters written out (`\x1b`), newlines kept: a plugin's ctx.log
 * line is a backend log message, and its escape sequences must not reach the admin's terminal
 * (clear the screen, overwrite the ready line, set the title or the clipboard).
 * @param {string} text
 */
export function visibleControls(text) {
  // Control characters are exactly what this looks for.
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/g, (char) => {
    if (char === '\r') return '\\r';
    return `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`;
  });
}

/** `[store]  ` / `[backend]` padded to one width, so the messages line up. */
export function prefixFor(name, width, colour) {
  const text = `[${name}]`.padEnd(width + 2);
  if (!colour) return text;
  return `\x1b[${name === 'store' ? 35 : 36}m${text}\x1b[39m`;
}

/**
 * Prints every line of `stream` through `format`, prefixed. Each line is written whole, so two
 * services never interleave within a line.
 * @param {NodeJS.ReadableStream} stream
 * @param {NodeJS.WritableStream} out
 * @param {string} prefix
 * @param {(line: string) => string | null} format
 */
export function relayLines(stream, out, prefix, format) {
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  lines.on('line', (line) => {
    if (line.trim() === '') return;
    const text = format(line);
    if (text === null) return;
    for (const part of text.split('\n')) out.write(`${prefix} ${part}\n`);
  });
}

/** The "open this URL" line: a blank line around it, bold and green on a terminal. */
export function readyLine(url, colour) {
  const text = `[start] OKO dashboard is ready: open ${url}`;
  return `\n${colour ? `\x1b[1;32m${text}\x1b[0m` : text}\n\n`;
}
