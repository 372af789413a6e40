import type { Logger } from '../logger.js';
import { outsideRequests } from '../request-scope.js';
import { yieldToEventLoop } from './event-loop.js';

/** Why a pass's signal aborted: its deadline passed, or the worker is stopping. Work in progress is handed back, not failed. */
export class PassEnded extends Error {
  constructor(readonly why: 'deadline' | 'stopping') {
    super(why === 'deadline' ? 'The worker pass ran past its deadline; the rest waits for the next pass.' : 'The worker is stopping.');
    this.name = 'PassEnded';
  }
}

/** A pass that takes longer than this is ended (its signal aborts) unless the worker says otherwise. */
export const DEFAULT_PASS_DEADLINE_MS = 10 * 60_000;

/**
 * The scheduling shared by background workers (the email outbox, webhook deliveries, syncs, imports, the
 * invitation expiry sweep): passes run one
 * at a time, each draining everything due, then the loop sleeps `pollMs`; `nudge()` asks for a pass now
 * (right after work was queued), and `stop()` waits for the pass in progress, so shutdown never cuts a write
 * short. A pass has a deadline: its signal aborts then (and on stop), no further batch starts, and the
 * batch in progress abandons its outbound calls; what it did not finish is left due for the next pass.
 */
class PollingLoop {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = true;
  private wakeRequested = false;
  private pass: AbortController | null = null;

  constructor(
    /** Handles one batch; resolves with how many items it handled (0 when nothing was due). */
    private readonly runOnce: (signal: AbortSignal) => Promise<number>,
    private readonly pollMs: number,
    private readonly loopLogger: Logger,
    /** Names the worker in logs. */
    private readonly name: string,
    /** Null: a pass runs until nothing is due (or the worker stops), however long that takes. */
    private readonly passDeadlineMs: number | null,
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
    this.pass?.abort(new PassEnded('stopping'));
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
    const pass = new AbortController();
    this.pass = pass;
    const deadline =
      this.passDeadlineMs === null ? undefined : setTimeout(() => pass.abort(new PassEnded('deadline')), this.passDeadlineMs);
    let total = 0;
    try {
      for (;;) {
        if (pass.signal.aborted) {
          if ((pass.signal.reason as PassEnded).why === 'deadline')
            this.loopLogger.info(
              `${this.name}: a pass ran past its deadline (${this.passDeadlineMs} ms); the rest waits for the next pass.`,
            );
          return total;
        }
        const handled = await this.runOnce(pass.signal);
        if (handled === 0) return total;
        total += handled;
        // Let requests in between batches (SQLite answers synchronously).
        await yieldToEventLoop();
      }
    } finally {
      clearTimeout(deadline);
      if (this.pass === pass) this.pass = null;
    }
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    // The timer may be set while serving a request (nudge): the pass must not run as part of that request.
    this.timer = setTimeout(() => {
      this.timer = null;
      this.running = outsideRequests(() => this.drain())
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

  constructor(pollMs: number, logger: Logger, name: string, passDeadlineMs: number | null = DEFAULT_PASS_DEADLINE_MS) {
    this.loop = new PollingLoop((signal) => this.runOnce(signal), pollMs, logger, name, passDeadlineMs);
  }

  /**
   * Handles one batch; resolves with how many items it handled (0 when nothing was due). `signal` aborts when
   * the pass's deadline passes or the worker stops: outbound calls then end and unfinished items stay due.
   */
  abstract runOnce(signal?: AbortSignal): Promise<number>;

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
