import type { ServerResponse } from 'node:http';
import type { DevLogEvent, DevPluginRemoved, DevStateEvent, PluginErrorInfo, PluginState } from '@oko/shared';
import type { PluginLogFeed } from '../plugin-manager/log-feed.js';
import { EventStream } from './event-stream.js';

/** How often the state of a watched plugin is compared with what its clients last got. */
export const STATE_WATCH_MS = 250;

export interface DevStateSnapshot {
  state: PluginState;
  error?: PluginErrorInfo;
  generation: number;
}

interface Watched {
  streams: Set<EventStream>;
  unsubscribe: () => void;
  /** What the clients were last sent, to send a state only when it changed. */
  lastKey?: string;
}

const keyOf = (snapshot: DevStateSnapshot) => JSON.stringify([snapshot.state, snapshot.error?.reason ?? '', snapshot.generation]);

/**
 * The log streams of development plugins (GET /dev/plugins/{name}/logs): each client gets the
 * plugin's log lines as the backend accepts them (PluginLogFeed) and a `state` event on every
 * change. The dev service reports the changes it makes itself at once; the ones it does not
 * make (a crash, the restart after it, a quarantine) are found by comparing the state every
 * STATE_WATCH_MS while anyone watches, rather than hooking every place that sets a state.
 */
export class DevStreams {
  private readonly watched = new Map<string, Watched>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly logs: PluginLogFeed,
    private readonly snapshotOf: (name: string) => DevStateSnapshot | undefined,
  ) {}

  /** Starts a client's stream; it gets the current state first. */
  open(name: string, raw: ServerResponse, heartbeatMs?: number): void {
    let watched = this.watched.get(name);
    if (!watched) {
      const streams = new Set<EventStream>();
      const unsubscribe = this.logs.subscribe(name, (level, message) => {
        const event: DevLogEvent = { level, message, at: new Date().toISOString() };
        for (const stream of streams) stream.send('log', event);
      });
      watched = { streams, unsubscribe };
      this.watched.set(name, watched);
    }
    const entry = watched;
    const stream = new EventStream(raw, () => this.closed(name, entry, stream), heartbeatMs);
    entry.streams.add(stream);
    const snapshot = this.snapshotOf(name);
    if (snapshot) {
      stream.send('state', this.stateEvent(snapshot));
      entry.lastKey ??= keyOf(snapshot);
    }
    this.timer ??= setInterval(() => this.checkStates(), STATE_WATCH_MS).unref();
  }

  /** A change the dev service made: every client of `name` hears it now. */
  stateChanged(name: string, snapshot: DevStateSnapshot): void {
    const watched = this.watched.get(name);
    if (!watched) return;
    const key = keyOf(snapshot);
    if (watched.lastKey === key) return;
    watched.lastKey = key;
    const event = this.stateEvent(snapshot);
    for (const stream of watched.streams) stream.send('state', event);
  }

  /** The plugin is gone: its clients get `event: removed` and their streams end. */
  removed(name: string, answer: DevPluginRemoved): void {
    const watched = this.watched.get(name);
    if (!watched) return;
    for (const stream of [...watched.streams]) {
      stream.send('removed', answer);
      stream.end();
    }
  }

  close(): void {
    for (const watched of [...this.watched.values()]) for (const stream of [...watched.streams]) stream.end();
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private stateEvent(snapshot: DevStateSnapshot): DevStateEvent {
    return { ...snapshot, at: new Date().toISOString() };
  }

  private checkStates(): void {
    for (const name of this.watched.keys()) {
      const snapshot = this.snapshotOf(name);
      if (snapshot) this.stateChanged(name, snapshot);
    }
  }

  private closed(name: string, watched: Watched, stream: EventStream): void {
    watched.streams.delete(stream);
    if (watched.streams.size > 0 || this.watched.get(name) !== watched) return;
    watched.unsubscribe();
    this.watched.delete(name);
    if (this.watched.size === 0) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }
}
