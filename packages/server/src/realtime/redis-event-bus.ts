import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { Redis } from 'ioredis';
import type { Logger } from '../core/logger.js';
import type { AccountEvent, EventBus } from '../core/events.js';

const CHANNEL = 'roster:account-events';
/** Events kept for Redis while it is unreachable (about 200 bytes each); beyond it the oldest are dropped. */
const DEFAULT_MAX_BACKLOG = 1000;

/** What goes over the channel: the event and the instance that published it. */
interface Envelope {
  origin: string;
  event: Omit<AccountEvent, 'at'> & { at: string };
}

export interface RedisEventBusOptions {
  /** Events kept for Redis while it is unreachable; beyond it the oldest are dropped (logged once per outage). */
  maxBacklog?: number;
}

/**
 * Carries events between Roster instances. An instance delivers its own events to its local subscribers at
 * once, whatever Redis does, and publishes them on one Redis channel for the other instances (each ignores
 * what it published itself). While Redis is unreachable, events for the others wait in a bounded backlog
 * (the oldest are dropped: every event only tells clients to refetch, and a dropped one costs at most a
 * stale row until the next) and are sent when the connection is back; ioredis reconnects and re-subscribes.
 */
export class RedisEventBus implements EventBus {
  private readonly local = new EventEmitter().setMaxListeners(0);
  private readonly publisher: Redis;
  private readonly subscriber: Redis;
  private readonly instanceId = randomUUID();
  private readonly waiting: string[] = [];
  private outage: { dropped: number } | null = null;
  readonly maxBacklog: number;

  private constructor(
    url: string,
    private readonly logger: Logger,
    options: RedisEventBusOptions = {},
  ) {
    this.maxBacklog = options.maxBacklog ?? DEFAULT_MAX_BACKLOG;
    // No offline queue for publishing: while disconnected a publish fails at once and waits in `waiting`,
    // which is bounded (ioredis's own queue is not).
    this.publisher = new Redis(url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    // The subscriber only ever sends SUBSCRIBE, which ioredis repeats by itself after a reconnection.
    this.subscriber = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: null });
    for (const client of [this.publisher, this.subscriber]) {
      client.on('error', (error: Error) => this.lost(error.message));
      client.on('reconnecting', () => this.lost('connection lost, reconnecting'));
      client.on('ready', () => this.regained());
    }
    this.subscriber.on('message', (_channel: string, message: string) => this.received(message));
  }

  /** Connects both clients and subscribes; fails fast (start-up refuses) when Redis is unreachable. */
  static async connect(url: string, logger: Logger, options?: RedisEventBusOptions): Promise<RedisEventBus> {
    const bus = new RedisEventBus(url, logger, options);
    await Promise.all([bus.publisher.connect(), bus.subscriber.connect()]);
    await bus.subscriber.subscribe(CHANNEL);
    return bus;
  }

  /** True while both connections to Redis are up. */
  get connected(): boolean {
    return this.publisher.status === 'ready' && this.subscriber.status === 'ready';
  }

  /** Events waiting for Redis to come back (at most maxBacklog). */
  get backlog(): number {
    return this.waiting.length;
  }

  publish(event: AccountEvent): void {
    this.local.emit('event', event);
    const envelope: Envelope = { origin: this.instanceId, event: { ...event, at: event.at.toISOString() } };
    this.send(JSON.stringify(envelope));
  }

  subscribe(listener: (event: AccountEvent) => void): () => void {
    this.local.on('event', listener);
    return () => this.local.off('event', listener);
  }

  onMissedEvents(listener: () => void): () => void {
    this.local.on('missed', listener);
    return () => this.local.off('missed', listener);
  }

  async close(): Promise<void> {
    // QUIT waits for an answer that never comes while Redis is away.
    await Promise.allSettled(
      [this.subscriber, this.publisher].map((client) => (client.status === 'ready' ? client.quit() : client.disconnect())),
    );
  }

  private send(message: string): void {
    // Behind a backlog, in order.
    if (this.publisher.status !== 'ready' || this.waiting.length > 0) return this.wait(message);
    this.publisher.publish(CHANNEL, message).catch(() => this.wait(message));
  }

  private wait(message: string): void {
    this.waiting.push(message);
    if (this.waiting.length <= this.maxBacklog) return;
    this.waiting.shift();
    this.outage ??= { dropped: 0 };
    if (this.outage.dropped++ === 0) {
      this.logger.error(
        `Redis is unreachable and ${this.maxBacklog} live events are waiting for it: dropping the oldest until it is back (this instance's own sockets still get every event).`,
      );
    }
  }

  private flush(): void {
    const messages = this.waiting.splice(0);
    for (const message of messages) this.publisher.publish(CHANNEL, message).catch(() => this.wait(message));
  }

  private received(message: string): void {
    try {
      const parsed = JSON.parse(message) as Envelope | Envelope['event'];
      // Instances of an earlier version publish the bare event.
      const envelope: Envelope = 'origin' in parsed ? parsed : { origin: '', event: parsed };
      if (envelope.origin === this.instanceId) return;
      this.local.emit('event', { ...envelope.event, at: new Date(envelope.event.at) });
    } catch (error) {
      this.logger.error('Ignoring a malformed event from Redis', error);
    }
  }

  private lost(why: string): void {
    // ioredis reports every failed reconnection attempt: one line per outage is enough.
    if (this.outage) return;
    this.outage = { dropped: 0 };
    this.logger.error(`Redis: ${why}. Live events reach only this instance's sockets until it is back.`);
  }

  private regained(): void {
    if (!this.connected) return;
    if (this.outage) {
      this.logger.info(
        `Redis is reachable again${this.outage.dropped ? `; ${this.outage.dropped} live event(s) for other instances were dropped meanwhile` : ''}.`,
      );
      this.outage = null;
      // Redis keeps no history: what the other instances published meanwhile is gone, so this instance's sockets catch up.
      this.local.emit('missed');
    }
    this.flush();
  }
}
