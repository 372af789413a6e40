import { EventEmitter } from 'node:events';
import { Redis } from 'ioredis';
import type { Logger } from '../app/logger.js';
import type { AccountEvent, EventBus } from './events.js';

const CHANNEL = 'roster:account-events';

/**
 * Carries events between Roster instances: each instance publishes to one Redis channel and delivers what
 * it receives (its own events included) to its local subscribers, so every open dashboard hears every
 * change whichever instance made it.
 */
export class RedisEventBus implements EventBus {
  private readonly local = new EventEmitter().setMaxListeners(0);
  private readonly publisher: Redis;
  private readonly subscriber: Redis;

  private constructor(url: string, private readonly logger: Logger) {
    const options = { maxRetriesPerRequest: null, enableOfflineQueue: true, lazyConnect: true } as const;
    this.publisher = new Redis(url, options);
    this.subscriber = new Redis(url, options);
    for (const client of [this.publisher, this.subscriber]) client.on('error', (error) => this.logger.error(`Redis: ${error.message}`));
    this.subscriber.on('message', (_channel: string, message: string) => {
      try {
        const event = JSON.parse(message) as AccountEvent & { at: string };
        this.local.emit('event', { ...event, at: new Date(event.at) });
      } catch (error) {
        this.logger.error('Ignoring a malformed event from Redis', error);
      }
    });
  }

  /** Connects both clients and subscribes; fails fast (start-up refuses) when Redis is unreachable. */
  static async connect(url: string, logger: Logger): Promise<RedisEventBus> {
    const bus = new RedisEventBus(url, logger);
    await Promise.all([bus.publisher.connect(), bus.subscriber.connect()]);
    await bus.subscriber.subscribe(CHANNEL);
    return bus;
  }

  publish(event: AccountEvent): void {
    this.publisher.publish(CHANNEL, JSON.stringify(event)).catch((error: Error) => this.logger.error(`Could not publish an event to Redis: ${error.message}`));
  }

  subscribe(listener: (event: AccountEvent) => void): () => void {
    this.local.on('event', listener);
    return () => this.local.off('event', listener);
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.subscriber.quit(), this.publisher.quit()]);
  }
}
