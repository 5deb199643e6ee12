import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manifestOf, push } from './dev-helpers.js';
import { api, buildBackend, eventually, makeDirs, type Backend, type Dirs } from './helpers.js';

// GET /dev/plugins/{name}/logs over a real socket (the stream never ends by itself, which inject() would wait for).

interface Event {
  event: string;
  data: any;
}

/** An open event stream: what arrived so far, whether it ended, and how to close it. */
function openStream(backend: Pick<Backend, 'url'>, name: string) {
  const events: Event[] = [];
  let ended = false;
  let status = 0;
  let contentType = '';
  let buffer = '';
  const request = http.get(`${backend.url}/api/v1/dev/plugins/${name}/logs`, (response) => {
    status = response.statusCode ?? 0;
    contentType = String(response.headers['content-type']);
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => {
      buffer += chunk;
      for (let end = buffer.indexOf('\n\n'); end !== -1; end = buffer.indexOf('\n\n')) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (event && data) events.push({ event, data: JSON.parse(data) });
      }
    });
    response.on('end', () => (ended = true));
  });
  request.on('error', () => (ended = true));
  return {
    events,
    head: () => ({ status, contentType }),
    ended: () => ended,
    close: () => request.destroy(),
    next: async (match: (event: Event) => boolean): Promise<Event> => (await eventually(() => events.find(match), Boolean))!,
  };
}

const code = [
  'export function setup(ctx) {',
  '  ctx.routes.get("/say", (req) => { ctx.log.warn(String(req.query.text)); return { said: true }; });',
  '  ctx.routes.get("/print", () => { console.log("printed line"); return {}; });',
  '  ctx.routes.get("/die", () => { setTimeout(() => process.exit(3), 10); return {}; });',
  '  ctx.log.info("setup VERSION");',
  '}',
].join('\n');

let dirs: Dirs;
let backend: Awaited<ReturnType<typeof buildBackend>>;
beforeAll(async () => {
  dirs = await makeDirs([]);
  // A long restart backoff: the death below stays visible as `loading` with its reason.
  backend = await buildBackend(dirs, { OKO_PLUGIN_RESTART_BACKOFF_MS: '60000' });
});
afterAll(async () => {
  await backend?.stop();
  await dirs?.cleanup();
});

describe('the log stream of a development plugin', () => {
  it('sends the state first, then ctx.log and printed lines, states of each reload and crash, and ends when the plugin goes', async () => {
    const files = { 'manifest.json': manifestOf('dev_stream'), 'index.js': code.replace('VERSION', 'one') };
    await push(backend, 'dev_stream', files, { replace: true });
    const stream = openStream(backend, 'dev_stream');
    try {
      const first = await stream.next(() => true);
      expect(stream.head()).toEqual({ status: 200, contentType: 'text/event-stream; charset=utf-8' });
      expect(first).toMatchObject({ event: 'state', data: { state: 'active', generation: 1 } });

      await api(backend, 'GET', '/api/v1/plugins/dev-stream/say?text=hello%20author');
      expect((await stream.next((e) => e.event === 'log' && e.data.message === 'hello author')).data).toMatchObject({ level: 'warn' });
      await api(backend, 'GET', '/api/v1/plugins/dev-stream/print');
      expect((await stream.next((e) => e.event === 'log' && e.data.message === 'printed line')).data.level).toBe('info');

      await push(backend, 'dev_stream', { 'index.js': code.replace('VERSION', 'two') });
      await stream.next((e) => e.event === 'state' && e.data.state === 'loading' && e.data.generation === 2);
      await stream.next((e) => e.event === 'state' && e.data.state === 'active' && e.data.generation === 2);
      await stream.next((e) => e.event === 'log' && e.data.message === 'setup two');

      // A crash is no change the dev service makes: the state watch still reports it.
      await api(backend, 'GET', '/api/v1/plugins/dev-stream/die');
      await stream.next((e) => e.event === 'state' && e.data.state === 'loading' && e.data.generation === 2);

      await api(backend, 'DELETE', '/api/v1/dev/plugins/dev_stream');
      expect((await stream.next((e) => e.event === 'removed')).data).toMatchObject({ status: 'removed', name: 'dev_stream' });
      await eventually(stream.ended, Boolean);
    } finally {
      stream.close();
    }
  });

  it("replays the current generation's lines to a client that connects after they were logged (the first load's setup)", async () => {
    const files = { 'manifest.json': manifestOf('dev_replay'), 'index.js': code.replace('VERSION', 'first') };
    await push(backend, 'dev_replay', files, { replace: true });
    const late = openStream(backend, 'dev_replay');
    try {
      expect((await late.next(() => true)).event).toBe('state');
      expect((await late.next((e) => e.event === 'log')).data).toMatchObject({ level: 'info', message: 'setup first' });
      // A reload starts a new generation: the next client hears only its lines.
      await push(backend, 'dev_replay', { 'index.js': code.replace('VERSION', 'second') });
      await late.next((e) => e.event === 'log' && e.data.message === 'setup second');
      const later = openStream(backend, 'dev_replay');
      try {
        await later.next((e) => e.event === 'log' && e.data.message === 'setup second');
        expect(later.events.some((e) => e.event === 'log' && e.data.message === 'setup first')).toBe(false);
      } finally {
        later.close();
      }
    } finally {
      late.close();
      await api(backend, 'DELETE', '/api/v1/dev/plugins/dev_replay');
    }
  });

  it('sends a log line with event-stream syntax in it as one log event: a plugin cannot forge a state or removal', async () => {
    await push(
      backend,
      'dev_forge',
      { 'manifest.json': manifestOf('dev_forge'), 'index.js': code.replace('VERSION', 'one') },
      { replace: true },
    );
    const stream = openStream(backend, 'dev_forge');
    try {
      await stream.next((e) => e.event === 'state');
      const forged = [
        'a\n\nevent: removed\ndata: {"status":"removed","name":"dev_forge","message":"x"}\n\n',
        'b\r\revent: state\rdata: {"state":"error","generation":99}\r\r',
        'c\r\n\r\nevent: removed\r\ndata: {}\r\n\r\n',
      ];
      for (const text of forged) await api(backend, 'GET', `/api/v1/plugins/dev-forge/say?text=${encodeURIComponent(text)}`);
      for (const text of forged) await stream.next((e) => e.event === 'log' && e.data.message === text);
      expect(stream.events.filter((e) => e.event !== 'log').map((e) => [e.event, e.data.generation])).toEqual([['state', 1]]);
      expect(stream.ended()).toBe(false);
    } finally {
      stream.close();
      await api(backend, 'DELETE', '/api/v1/dev/plugins/dev_forge');
    }
  });

  it('answers 404 DEV_PLUGIN_NOT_FOUND as JSON, not a stream, for a plugin it does not hold', async () => {
    const answer = await api(backend, 'GET', '/api/v1/dev/plugins/dev_nobody/logs');
    expect(answer.status).toBe(404);
    expect(answer.body.error.code).toBe('DEV_PLUGIN_NOT_FOUND');
  });
});
