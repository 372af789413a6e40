import type { Logger } from '../app/logger.js';

/**
 * The scheduling shared by background workers (the email outbox, webhook deliveries): passes run one at a
 * time, each draining everything due, then the loop sleeps `pollMs`; `nudge()` asks for a pass now (right
 * after work was queued), and `stop()` waits for the pass in progress, so shutdown never cuts a write short.
 */
export abstract class PollingWorker {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = true;
  private wakeRequested = false;

  constructor(
    private readonly pollMs: number,
    private readonly loopLogger: Logger,
    /** Names the worker in logs. */
    private readonly name: string,
  ) {}

  /** Handles one batch; resolves with how many items it handled (0 when nothing was due). */
  abstract runOnce(): Promise<number>;

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

/**
 * Exponential backoff with ±20 % jitter, so many failed items (or instances) do not retry in lock step:
 * attempt 1 waits about `baseMs`, each next one twice as long, never more than `maxMs`.
 */
export function backoffDelayMs(attempts: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, attempts - 1)) * (0.8 + Math.random() * 0.4);
}
