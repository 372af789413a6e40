import type { Logger } from '../core/logger.js';

/** The steps of a shutdown, remembering which are still running (named in the log when the grace period runs out). */
export class ShutdownSteps {
  private readonly running = new Set<string>();

  async run(name: string, work: () => Promise<unknown>): Promise<void> {
    this.running.add(name);
    try {
      await work();
    } finally {
      this.running.delete(name);
    }
  }

  get pending(): string[] {
    return [...this.running];
  }
}

export interface Stoppable {
  stop(): Promise<void>;
  /** The shutdown steps not finished yet. */
  stillStopping(): string[];
}

/**
 * SIGTERM or SIGINT stops Roster gracefully (see RunningRoster.stop): /readyz answers 503 at once, the port
 * stops accepting, in-flight requests finish, workers finish their current batch and hand their leases
 * back, WebSockets close with 1001, then Redis and the database close and the process exits 0. Past
 * `graceMs` it exits 1, naming the steps still running. A second signal ends the process at once.
 */
export function stopOnSignals(roster: Stoppable, graceMs: number, logger: Logger, exit: (code: number) => void = process.exit): void {
  const shutdown = async (signal: string) => {
    logger.info(`${signal} received, stopping Roster (at most ${graceMs} ms)...`, { signal, graceMs });
    const timer = setTimeout(() => {
      logger.error(`Roster did not stop within SHUTDOWN_GRACE_MS (${graceMs} ms); exiting anyway`, undefined, {
        stillRunning: roster.stillStopping(),
      });
      exit(1);
    }, graceMs);
    try {
      await roster.stop();
      clearTimeout(timer);
      logger.info('Roster stopped');
      exit(0);
    } catch (error) {
      clearTimeout(timer);
      logger.error('Roster could not stop cleanly', error, { stillRunning: roster.stillStopping() });
      exit(1);
    }
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}
