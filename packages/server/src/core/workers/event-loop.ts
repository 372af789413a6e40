/**
 * Lets timers and requests in before the next piece of work. better-sqlite3 answers synchronously, so a
 * long loop over database calls (an import, a sync, a worker pass) would otherwise keep the event loop to itself.
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
