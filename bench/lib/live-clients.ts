import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';

/**
 * Many graphql-ws subscribers, each on its own WebSocket with a session cookie in the upgrade request (as
 * a browser sends it), and a fan-out tracker that records when each of them received a given event.
 *
 * graphql-ws and ws are dependencies of packages/server, not of the repo root: they are loaded from there.
 */
const serverRequire = createRequire(new URL('../../packages/server/package.json', import.meta.url));

interface GraphQLWsClient {
  subscribe(
    payload: { query: string; variables?: Record<string, unknown> },
    sink: { next(value: { data?: Record<string, unknown> | null; errors?: unknown }): void; error(error: unknown): void; complete(): void },
  ): () => void;
  dispose(): void | Promise<void>;
}
const { createClient } = serverRequire('graphql-ws') as { createClient(options: Record<string, unknown>): GraphQLWsClient };
const WebSocket = serverRequire('ws') as new (url: string, protocols: string | string[], options: Record<string, unknown>) => object;

export interface UserEventData {
  type: string;
  users: Array<{ id: string; status?: string; invitationPending?: boolean }>;
}

export interface LiveClient {
  index: number;
  errors: unknown[];
  closed: { code: number; reason: string } | null;
  dispose(): Promise<void>;
}

/**
 * Records, per client, when the event `(type, userId)` arrived (performance.now(), taken synchronously in
 * the socket's message handler), and resolves once every client has it.
 */
export class FanOutTracker {
  private readonly entries = new Map<
    string,
    { arrivals: Float64Array; count: number; resolve: (() => void) | null; done: Promise<void> }
  >();

  constructor(readonly clients: number) {}

  private entry(key: string) {
    let entry = this.entries.get(key);
    if (!entry) {
      let resolve: (() => void) | null = null;
      const done = new Promise<void>((r) => (resolve = r));
      entry = { arrivals: new Float64Array(this.clients).fill(Number.NaN), count: 0, resolve, done };
      this.entries.set(key, entry);
    }
    return entry;
  }

  record(client: number, event: UserEventData, at: number): void {
    for (const user of event.users) {
      const entry = this.entry(`${event.type}:${user.id}`);
      if (!Number.isNaN(entry.arrivals[client]!)) continue;
      entry.arrivals[client] = at;
      entry.count++;
      if (entry.count === this.clients) entry.resolve?.();
    }
  }

  /** Waits until every client has the event (or the timeout); returns the arrival times (NaN = never arrived). */
  async wait(type: string, userId: string, timeoutMs: number): Promise<{ arrivals: Float64Array; missing: number }> {
    const entry = this.entry(`${type}:${userId}`);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([entry.done, new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
    this.entries.delete(`${type}:${userId}`);
    return { arrivals: entry.arrivals, missing: this.clients - entry.count };
  }
}

/** Opens one subscriber; resolves once the server acknowledged the connection (its session was accepted). */
export async function openLiveClient(
  index: number,
  baseUrl: string,
  cookie: string,
  query: string,
  onEvent: (index: number, data: UserEventData, at: number) => void,
): Promise<LiveClient> {
  const errors: unknown[] = [];
  const state: LiveClient = {
    index,
    errors,
    closed: null,
    async dispose() {
      await client.dispose();
    },
  };
  let connected!: () => void;
  let failed!: (error: Error) => void;
  const ready = new Promise<void>((resolve, reject) => {
    connected = resolve;
    failed = reject;
  });
  const client = createClient({
    url: baseUrl.replace(/^http/, 'ws') + '/graphql',
    retryAttempts: 0,
    lazy: false,
    keepAlive: 0,
    onNonLazyError: (error: unknown) =>
      failed(new Error(`client ${index} could not connect: ${String((error as { reason?: string })?.reason ?? error)}`)),
    webSocketImpl: class extends (WebSocket as any) {
      constructor(url: string, protocols: string | string[]) {
        super(url, protocols, { headers: { cookie }, perMessageDeflate: false });
      }
    },
    on: {
      connected: () => connected(),
      closed: (event: unknown) => {
        const { code, reason } = event as { code: number; reason: unknown };
        state.closed = { code, reason: String(reason ?? '') };
        failed(new Error(`client ${index} closed with ${code} ${String(reason ?? '')}`));
      },
    },
  });
  client.subscribe(
    { query },
    {
      next: (value) => {
        const at = performance.now();
        if (value.errors) errors.push(value.errors);
        const data = value.data ? (Object.values(value.data)[0] as UserEventData | undefined) : undefined;
        if (data) onEvent(index, data, at);
      },
      error: (error) => errors.push(error),
      complete: () => {},
    },
  );
  await ready;
  return state;
}

/** Opens `count` subscribers, `concurrency` at a time. */
export async function openLiveClients(
  count: number,
  baseUrl: string,
  cookie: string,
  query: string,
  onEvent: (index: number, data: UserEventData, at: number) => void,
  concurrency = 50,
): Promise<LiveClient[]> {
  const clients: LiveClient[] = [];
  try {
    for (let start = 0; start < count; start += concurrency) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(concurrency, count - start) }, (_, i) => openLiveClient(start + i, baseUrl, cookie, query, onEvent)),
      );
      clients.push(...batch);
    }
  } catch (error) {
    await closeLiveClients(clients);
    throw error;
  }
  return clients;
}

export async function closeLiveClients(clients: LiveClient[]): Promise<void> {
  await Promise.allSettled(clients.map((client) => client.dispose()));
}

/** Percentiles by the nearest-rank method. */
export function percentiles(values: number[]): {
  count: number;
  min: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
} {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  const rank = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
  const round = (v: number) => Math.round(v * 10) / 10;
  return {
    count: sorted.length,
    min: round(sorted[0] ?? Number.NaN),
    p50: round(rank(0.5)),
    p90: round(rank(0.9)),
    p99: round(rank(0.99)),
    max: round(sorted.at(-1) ?? Number.NaN),
    mean: round(sorted.reduce((a, b) => a + b, 0) / Math.max(1, sorted.length)),
  };
}
