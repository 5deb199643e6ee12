import type { FastifyBaseLogger } from 'fastify';
import { DROP_REPORT_MS, EVENTS_PER_SECOND, FLOOD_CEILING_PER_SECOND, LOG_LINES_PER_SECOND } from '../plugin-runtime/limits.js';
import { DropCounter, TokenBucket } from '../plugin-runtime/rate-limit.js';

/**
 * The backend's rate limits on one plugin host: its log lines (ctx.log and what it prints) and
 * its events. The host drops over-limit lines itself, but plugin code can send on the channel
 * directly, so the backend limits again, counts what it drops, and calls `onFlood` once the
 * drops pass FLOOD_CEILING_PER_SECOND within a second.
 */
export class HostBudget {
  private readonly logBudget = new TokenBucket(LOG_LINES_PER_SECOND);
  private readonly eventBudget = new TokenBucket(EVENTS_PER_SECOND);
  private readonly drops = new DropCounter(DROP_REPORT_MS, (logLines, events) => this.reportDrops(logLines, events));
  /** Messages dropped in the current second, against FLOOD_CEILING_PER_SECOND. */
  private flood = { since: 0, dropped: 0 };

  constructor(
    private readonly pluginId: string,
    private readonly log: FastifyBaseLogger,
    private readonly onFlood: (problem: string) => void,
    /** Each line the budget lets through, besides the backend's log (the dev plugins' log stream). */
    private readonly onLine?: (level: 'debug' | 'info' | 'warn' | 'error', message: string) => void,
  ) {}

  /** Writes the line when the budget allows, counts it as dropped otherwise. */
  logLine(level: 'debug' | 'info' | 'warn' | 'error', bindings: Record<string, unknown>, message: string): void {
    if (!this.logBudget.take()) return this.dropOne(1, 0);
    this.log[level]({ plugin: this.pluginId, ...bindings }, message);
    this.onLine?.(level, message);
  }

  /** Passes the event on when the budget allows, counts it as dropped otherwise. */
  event(deliver: () => void): void {
    if (this.eventBudget.take()) deliver();
    else this.dropOne(0, 1);
  }

  /** What the host reports it dropped itself. */
  addReported(logLines: number, events: number): void {
    this.drops.add(logLines, events);
  }

  flush(): void {
    this.drops.flush();
  }

  private dropOne(logLines: number, events: number): void {
    this.drops.add(logLines, events);
    const now = Date.now();
    if (now - this.flood.since >= 1000) this.flood = { since: now, dropped: 0 };
    if (++this.flood.dropped > FLOOD_CEILING_PER_SECOND) {
      this.onFlood(`more than ${FLOOD_CEILING_PER_SECOND} log lines and events over its rate limits within a second`);
    }
  }

  /** The counted note of a flood: one line per kind and period, however many were dropped. */
  private reportDrops(logLines: number, events: number): void {
    const plugin = this.pluginId;
    if (logLines > 0) {
      this.log.warn(
        { plugin, dropped_log_lines: logLines },
        `dropped ${logLines} log lines of plugin '${plugin}' (over ${LOG_LINES_PER_SECOND} a second)`,
      );
    }
    if (events > 0) {
      this.log.warn(
        { plugin, dropped_events: events },
        `dropped ${events} events emitted by plugin '${plugin}' (over ${EVENTS_PER_SECOND} a second)`,
      );
    }
  }
}
