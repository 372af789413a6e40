import type { Logger } from '../app/logger.js';

/**
 * The scheduling shared by background workers (the email outbox, webhook deliveries): passes run one at a
 * time, each draining everything due, then the loop sleeps `pollMs`; `nudge()` asks for a pass now (right
 * after work was queued), and `stop()` waits for the pass in progress, so shutdown never cuts a write short.
 */
class PollingLoop {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = true;
  private wakeRequested = false;

  constructor(
    /** Handles one batch; resolves with how many items it handled (0 when nothing was due). */
    private readonly runOnce: () => Promise<number>,
    private readonly pollMs: number,
    private readonly loopLogger: Logger,
    /** Names the worker in logs. */
    private readonly name: string,
  ) {}

  /** Starts polling in this process. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }

  /** Asks for a pass soon, e.g. right after work was queued. */
  nudge(): void {
    if (this.stopped) return;
    if (this.running) this.wakeRequested = true;
    else this.schedule(0);
  }

  /** Runs batches until none is due; resolves with how many items were handled (tests and shutdown use it). */
  async drain(): Promise<number> {
    let total = 0;
    for (;;) {
      const handled = await this.runOnce();
      if (handled === 0) return total;
      total += handled;
      // Let requests in between batches (SQLite answers synchronously).
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.running = this.drain()
        .then(() => undefined)
        .catch((error) => this.loopLogger.error(`${this.name} pass failed; it will try again`, error))
        .finally(() => {
          this.running = null;
          const again = this.wakeRequested;
          this.wakeRequested = false;
          this.schedule(again ? 0 : this.pollMs);
        });
    }, delayMs);
  }
}

/** A worker whose batches a PollingLoop schedules: subclasses only say how to handle one batch. */
export abstract class PollingWorker {
  private readonly loop: PollingLoop;

  constructor(pollMs: number, logger: Logger, name: string) {
    this.loop = new PollingLoop(() => this.runOnce(), pollMs, logger, name);
  }

  /** Handles one batch; resolves with how many items it handled (0 when nothing was due). */
  abstract runOnce(): Promise<number>;

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** Asks for a pass soon, e.g. right after work was queued. */
  nudge(): void {
    this.loop.nudge();
  }

  /** Runs batches until none is due; resolves with how many items were handled. */
  drain(): Promise<number> {
    return this.loop.drain();
  }
}

/**
 * Exponential backoff with ±20 % jitter, so many failed items (or instances) do not retry in lock step:
 * attempt 1 waits about `baseMs`, each next one twice as long, never more than `maxMs`.
 */
export function backoffDelayMs(attempts: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, attempts - 1)) * (0.8 + Math.random() * 0.4);
}
