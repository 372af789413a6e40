import type { AccountEvent, EventBus } from '../core/events.js';

/** An event as one subscriber receives it; `source` is the object every subscriber of this process shares. */
export type StreamedEvent = AccountEvent & { resync: boolean; source: AccountEvent };

/**
 * The events of one account that pass `accept`, as an async iterable for a subscription. The queue is
 * bounded: a consumer that does not keep up loses the oldest events (every event carries enough for the
 * client to refetch), so a dead socket cannot grow memory.
 */
export function accountEvents(
  bus: EventBus,
  accountId: string,
  accept: (event: AccountEvent) => boolean,
  maxQueue = 100,
  /** Delivered first, e.g. so a progress subscription starts with the current state. */
  initial?: AccountEvent,
): AsyncIterableIterator<StreamedEvent> {
  const queue: AccountEvent[] = initial ? [initial] : [];
  let overflowed = false;
  let wake: (() => void) | null = null;
  let done = false;
  const unsubscribe = bus.subscribe((event) => {
    if (event.accountId !== accountId || !accept(event)) return;
    queue.push(event);
    if (queue.length > maxQueue) {
      queue.shift();
      overflowed = true;
    }
    wake?.();
  });
  // Events other instances published while this one was cut off from them are lost: one "changed" event tells the
  // consumer to read everything again (a consumer that takes no such event is told with the next one it takes).
  const stopMissing = bus.onMissedEvents?.(() => {
    const resync: AccountEvent = { accountId, type: 'user.changed', userIds: [], at: new Date() };
    overflowed = true;
    if (!accept(resync)) return;
    queue.push(resync);
    if (queue.length > maxQueue) queue.shift();
    wake?.();
  });
  const finish = () => {
    done = true;
    unsubscribe();
    stopMissing?.();
    wake?.();
  };
  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    async next(): Promise<IteratorResult<StreamedEvent>> {
      while (!done && queue.length === 0) await new Promise<void>((resolve) => (wake = resolve));
      wake = null;
      if (queue.length > 0) {
        // After a drop the consumer is told to refetch, so nothing is missed for good.
        const source = queue.shift()!;
        const value = { ...source, resync: overflowed, source };
        overflowed = false;
        return { value, done: false };
      }
      return { value: undefined, done: true };
    },
    async return(): Promise<IteratorResult<StreamedEvent>> {
      finish();
      return { value: undefined, done: true };
    },
    async throw(error?: unknown): Promise<IteratorResult<StreamedEvent>> {
      finish();
      throw error;
    },
  };
}
