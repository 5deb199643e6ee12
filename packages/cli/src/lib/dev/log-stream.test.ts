import { describe, expect, it } from 'vitest';
import { SseParser } from './log-stream.js';

const log = { level: 'info', message: 'ready', at: '2026-11-30T08:00:00.000Z' };
const state = { state: 'active', generation: 2, at: '2026-11-30T08:00:01.000Z' };

describe('SseParser', () => {
  it('reads log and state events, whatever the chunks', () => {
    const text = `event: log\ndata: ${JSON.stringify(log)}\n\nevent: state\ndata: ${JSON.stringify(state)}\n\n`;
    const parser = new SseParser();
    const events = [...text].flatMap((char) => parser.push(char));
    expect(events).toEqual([
      { event: 'log', data: log },
      { event: 'state', data: state },
    ]);
  });

  it('takes CRLF line ends, joins data lines and skips comments (keep-alives)', () => {
    const parser = new SseParser();
    const json = JSON.stringify(log, null, 1).split('\n');
    const text = `: keep-alive\r\n\r\nevent: log\r\n${json.map((line) => `data: ${line}`).join('\r\n')}\r\n\r\n`;
    expect(parser.push(text)).toEqual([{ event: 'log', data: log }]);
  });

  it('reads the event that says the backend removed the plugin', () => {
    const removed = { status: 'removed', name: 'x', message: 'Development plugin x removed (its lease ran out)' };
    expect(new SseParser().push(`event: removed\ndata: ${JSON.stringify(removed)}\n\n`)).toEqual([{ event: 'removed', data: removed }]);
  });

  it('skips events it does not know and data that is not JSON', () => {
    const parser = new SseParser();
    expect(parser.push('event: hello\ndata: {}\n\nevent: log\ndata: {not json\n\ndata: {"a":1}\n\n')).toEqual([]);
  });

  it('waits for the blank line that ends an event', () => {
    const parser = new SseParser();
    expect(parser.push(`event: log\ndata: ${JSON.stringify(log)}\n`)).toEqual([]);
    expect(parser.push('\n')).toEqual([{ event: 'log', data: log }]);
  });
});
