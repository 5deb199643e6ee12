import type { PluginRecord } from './record.js';

/**
 * The backend's event bus: plugins emit and subscribe by topic through their hosts. Delivery is
 * fire-and-forget (a message per subscribed host), so a slow subscriber never holds up the emitter.
 */
export class EventBus {
  constructor(private readonly activeRecords: () => PluginRecord[]) {}

  publish(topic: string, data: unknown, source: string): void {
    for (const record of this.activeRecords()) {
      if (record.host?.subscriptions.has(topic)) record.host.deliverEvent(topic, data, source);
    }
  }
}
