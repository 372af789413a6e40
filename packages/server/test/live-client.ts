import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

export interface LiveSubscription<T> {
  events: T[];
  errors: unknown[];
  closed: Promise<{ code: number; reason: string }>;
  /** Resolves with the first event that passes `match`. */
  next(match?: (event: T) => boolean, timeoutMs?: number): Promise<T>;
  dispose(): Promise<void>;
}

/** Subscribes over graphql-ws like a browser with the given session cookie would. */
export function subscribe<T = any>(
  baseUrl: string,
  cookie: string | null,
  query: string,
  variables: Record<string, unknown> = {},
  /** Extra headers of the upgrade request, e.g. an API key's Authorization. */
  headers: Record<string, string> = {},
): LiveSubscription<T> {
  let onClosed: (value: { code: number; reason: string }) => void = () => {};
  const closed = new Promise<{ code: number; reason: string }>((resolve) => (onClosed = resolve));
  let connected: () => void = () => {};
  const ready = new Promise<void>((resolve) => (connected = resolve));
  const client: Client = createClient({
    url: baseUrl.replace(/^http/, 'ws') + '/graphql',
    retryAttempts: 0,
    lazy: false,
    onNonLazyError: () => {},
    webSocketImpl: class extends WebSocket {
      constructor(url: string, protocols: string[]) {
        super(url, protocols, { headers: { ...headers, ...(cookie ? { cookie } : {}) } });
      }
    },
    on: {
      connected: () => connected(),
      closed: (event: unknown) =>
        onClosed({ code: (event as { code: number }).code, reason: String((event as { reason: unknown }).reason ?? '') }),
    },
  });
  const events: T[] = [];
  const errors: unknown[] = [];
  const waiters: Array<{ match: (e: T) => boolean; resolve: (e: T) => void }> = [];
  client.subscribe(
    { query, variables },
    {
      next: (value) => {
        if (value.errors) errors.push(value.errors);
        const data = value.data ? (Object.values(value.data)[0] as T) : undefined;
        if (data === undefined) return;
        events.push(data);
        for (const waiter of [...waiters])
          if (waiter.match(data)) {
            waiters.splice(waiters.indexOf(waiter), 1);
            waiter.resolve(data);
          }
      },
      error: (error) => errors.push(error),
      complete: () => {},
    },
  );
  return {
    events,
    errors,
    closed,
    next(match = () => true, timeoutMs = 5000) {
      const already = events.find(match);
      if (already) return Promise.resolve(already);
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(new Error(`no matching event within ${timeoutMs} ms; got ${JSON.stringify(events)} errors ${JSON.stringify(errors)}`)),
          timeoutMs,
        );
        waiters.push({ match, resolve: (e) => (clearTimeout(timer), resolve(e)) });
      });
    },
    async dispose() {
      await client.dispose();
    },
    ready,
  } as LiveSubscription<T> & { ready: Promise<void> };
}

/**
 * graphql-ws does not acknowledge a subscription: repeats `trigger` (which makes an event and says how to
 * recognise it) until `live` hears one, so the test knows the subscription is in place.
 */
export async function untilHeard<T>(live: LiveSubscription<T>, trigger: (attempt: number) => Promise<(event: T) => boolean>): Promise<T> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const match = await trigger(attempt);
    const heard = await live.next(match, 500).catch(() => null);
    if (heard) return heard;
  }
  throw new Error(`the subscription never heard its trigger; errors ${JSON.stringify(live.errors)}`);
}

export { eventually } from './eventually.js';
