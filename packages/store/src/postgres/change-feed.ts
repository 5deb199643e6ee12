import type { FastifyBaseLogger } from 'fastify';
import pg from 'pg';
import type { Queryable } from './database.js';

/** The channels replicas tell each other about changes on. */
export type ChangeChannel = 'oko_catalog' | 'oko_reviews' | 'oko_publishers' | 'oko_installs';
const CHANNELS: readonly ChangeChannel[] = ['oko_catalog', 'oko_reviews', 'oko_publishers', 'oko_installs'];
const DEFAULT_HEARTBEAT_MS = 30_000;

/** What a listener hears: a notification's payload, or null after a reconnect (anything may have changed: reload). */
export type ChangeListener = (payload: string | null) => void;

/** Sends a notification; inside a transaction it goes out at COMMIT, and not at all on rollback. */
export async function notifyChange(db: Queryable, channel: ChangeChannel, payload = ''): Promise<void> {
  await db.query('SELECT pg_notify($1, $2)', [channel, payload]);
}

/**
 * One dedicated connection per replica that LISTENs on every channel and hands each notification
 * to the listeners of its channel. When the connection drops it reconnects (backing off to 5 s)
 * and then calls every listener with null, since notifications sent meanwhile are lost: whoever
 * caches reloads. So a change made through one replica reaches the others' caches within the
 * notification's round trip, and at worst right after a reconnect.
 */
export class ChangeFeed {
  private client: pg.Client | null = null;
  private readonly listeners = new Map<ChangeChannel, Set<ChangeListener>>();
  private closed = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private backoffMs = 100;
  private heartbeat: NodeJS.Timeout | null = null;

  private constructor(
    private readonly url: string,
    private readonly log: FastifyBaseLogger,
    private readonly heartbeatMs: number,
  ) {}

  /**
   * Resolves once LISTEN is in place on every channel (so no change after start() is missed).
   * Every `heartbeatMs` the connection must answer a query within as long: an idle LISTEN
   * connection whose other end went away silently (a NAT, load balancer or conntrack entry dropped
   * while idle, a server restarted behind a partition) hears nothing and says nothing, and this
   * replica would serve a stale catalog for good. A missed heartbeat counts as a lost connection.
   */
  static async start(url: string, log: FastifyBaseLogger, heartbeatMs = DEFAULT_HEARTBEAT_MS): Promise<ChangeFeed> {
    const feed = new ChangeFeed(url, log, heartbeatMs);
    await feed.connect();
    return feed;
  }

  /** Whether LISTEN is in place now (false while reconnecting): GET /health reports it. */
  get connected(): boolean {
    return this.client !== null;
  }

  on(channel: ChangeChannel, listener: ChangeListener): () => void {
    let set = this.listeners.get(channel);
    if (!set) this.listeners.set(channel, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.url,
      connectionTimeoutMillis: 10_000,
      query_timeout: this.heartbeatMs,
      keepAlive: true,
    });
    client.on('notification', (message) => this.deliver(message.channel as ChangeChannel, message.payload ?? ''));
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client, null));
    await client.connect();
    for (const channel of CHANNELS) await client.query(`LISTEN ${channel}`);
    this.client = client;
    this.backoffMs = 100;
    this.beat(client);
  }

  private beat(client: pg.Client): void {
    if (this.heartbeat) clearTimeout(this.heartbeat);
    this.heartbeat = setTimeout(() => {
      this.heartbeat = null;
      if (this.client !== client) return;
      client.query('SELECT 1').then(
        () => this.beat(client),
        (error: unknown) => this.lost(client, error as Error),
      );
    }, this.heartbeatMs);
    this.heartbeat.unref();
  }

  private deliver(channel: ChangeChannel, payload: string | null): void {
    for (const listener of this.listeners.get(channel) ?? []) {
      try {
        listener(payload);
      } catch (error) {
        this.log.error({ err: error, channel }, 'PostgreSQL change feed: a listener failed');
      }
    }
  }

  private lost(client: pg.Client, error: Error | null): void {
    if (this.client !== client || this.closed) return;
    this.client = null;
    client.end().catch(() => undefined);
    this.log.warn({ err: error }, 'PostgreSQL change feed: connection lost; reconnecting');
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed || this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.connect().then(
        () => {
          this.log.info('PostgreSQL change feed: reconnected; caches reload');
          for (const channel of CHANNELS) this.deliver(channel, null);
        },
        (error: unknown) => {
          this.log.warn({ err: error, retryMs: this.backoffMs }, 'PostgreSQL change feed: reconnect failed');
          this.backoffMs = Math.min(this.backoffMs * 2, 5000);
          this.scheduleReconnect();
        },
      );
    }, this.backoffMs);
    this.retryTimer.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.heartbeat) clearTimeout(this.heartbeat);
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }
}
