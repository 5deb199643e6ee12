import type { DevLogEvent, DevPluginRemoved, DevStateEvent } from '@oko/shared';
import type { DevApi } from './dev-api.js';

/** `removed`: the backend removed the plugin (its lease ran out, or someone else deleted it) and ends the stream. */
export type DevStreamEvent =
  { event: 'log'; data: DevLogEvent } | { event: 'state'; data: DevStateEvent } | { event: 'removed'; data: DevPluginRemoved };

const EVENTS = new Set(['log', 'state', 'removed']);

/**
 * A server-sent events parser fed chunk by chunk: an event ends at a blank line, `event:` names
 * it, `data:` lines join with newlines, `:` lines are comments (the backend's keep-alives).
 * Events other than these three, and data that is not JSON, are skipped: a newer backend may send more.
 */
export class SseParser {
  private buffer = '';
  private event = '';
  private data: string[] = [];

  push(chunk: string): DevStreamEvent[] {
    this.buffer += chunk;
    const events: DevStreamEvent[] = [];
    let newline: number;
    while ((newline = this.buffer.search(/\r\n|\r|\n/)) !== -1) {
      const line = this.buffer.slice(0, newline);
      this.buffer = this.buffer.slice(newline + (this.buffer.startsWith('\r\n', newline) ? 2 : 1));
      const event = this.line(line);
      if (event) events.push(event);
    }
    return events;
  }

  private line(line: string): DevStreamEvent | null {
    if (line === '') {
      const event = this.event;
      const data = this.data.join('\n');
      this.event = '';
      this.data = [];
      if (!EVENTS.has(event) || data === '') return null;
      try {
        return { event, data: JSON.parse(data) } as DevStreamEvent;
      } catch {
        return null;
      }
    }
    if (line.startsWith(':')) return null;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') this.event = value;
    else if (field === 'data') this.data.push(value);
    return null;
  }
}

/**
 * Follows GET /dev/plugins/{name}/logs until `signal` aborts. The stream ends when the plugin is
 * replaced or the backend restarts; it is opened again after a short wait, so a dev session
 * outlives a backend restart. `onDrop` hears each drop once (not each failed retry).
 */
export async function followLogs(
  api: DevApi,
  name: string,
  onEvent: (event: DevStreamEvent) => void,
  signal: AbortSignal,
  onDrop: (reason: string) => void = () => {},
): Promise<void> {
  let dropped = false;
  while (!signal.aborted) {
    try {
      const response = await fetch(api.logsUrl(name), { headers: api.headers({ accept: 'text/event-stream' }), signal });
      if (response.ok && response.body) {
        dropped = false;
        const parser = new SseParser();
        const decoder = new TextDecoder();
        for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
          for (const event of parser.push(decoder.decode(chunk, { stream: true }))) onEvent(event);
        }
      } else {
        await response.body?.cancel();
        if (!dropped) onDrop(`the log stream answered HTTP ${response.status}`);
        dropped = true;
      }
    } catch (error) {
      if (signal.aborted) return;
      if (!dropped) onDrop(`the log stream stopped: ${((error as Error).cause as Error | undefined)?.message ?? (error as Error).message}`);
      dropped = true;
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 1000);
      signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
    });
  }
}
