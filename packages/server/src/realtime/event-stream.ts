import type { AccountEvent, EventBus } from './events.js';

/**
 * The events of one account that pass `accept`, as an async iterable for a subscription. The queue is
 * bounded: a consumer that does not keep up loses the oldest events (every event carries enough for the
 * client to refetch), so a dead socket cannot grow memory.
 */
export function accountEvents(bus: EventBus, accountId: string, accept: (event: AccountEvent) => boolean, maxQueue = 100): AsyncIterableIterator<AccountEvent> {
  const queue: AccountEvent[] = [];
  let wake: (() => void) | null = null;
  let done = false;
  const unsubscribe = bus.subscribe((event) => {
    if (event.accountId !== accountId || !accept(event)) return;
    queue.push(event);
    if (queue.length > maxQueue) queue.shift();
    wake?.();
  });
  const finish = () => {
    done = true;
    unsubscribe();
    wake?.();
  };
  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    async next(): Promise<IteratorResult<AccountEvent>> {
      while (!done && queue.length === 0) await new Promise<void>((resolve) => (wake = resolve));
      wake = null;
      if (queue.length > 0) return { value: queue.shift()!, done: false };
      return { value: undefined, done: true };
    },
    async return(): Promise<IteratorResult<AccountEvent>> {
      finish();
      return { value: undefined, done: true };
    },
    async throw(error?: unknown): Promise<IteratorResult<AccountEvent>> {
      finish();
      throw error;
    },
  };
}
