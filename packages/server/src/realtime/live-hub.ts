import { performance } from 'node:perf_hooks';
import { createSourceEventStream, execute, type ExecutionArgs, type ExecutionResult } from 'graphql';
import type { Histogram } from 'prom-client';
import type { RequestContext, Services } from '../core/context.js';
import { LIVE_EVENT_USER_LIMIT, type AccountEvent, type EventBus } from '../core/events.js';
import type { Metrics } from '../core/metrics.js';
import type { Viewer } from '../core/viewer.js';
import { LiveAccess, type LiveEvent, type Verdict } from './live-access.js';
import { LiveStream, type Delivery, type StreamHub } from './live-stream.js';

/** Sockets handed an event between two turns of the event loop, so requests (and the mutation that published) go on meanwhile. */
const DELIVERY_SLICE = 32;
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Everything a payload depends on besides the event and the document: the account, the role (some fields are
 * hidden from lower roles) and the credential's kind with an API key's scopes. Viewers with the same audience
 * see exactly the same thing, so they share one execution. A field that one day depends on who exactly asks
 * (the person, the membership, the session) must add it here.
 */
export function audienceOf(viewer: Viewer): string {
  const credential = viewer.apiKey ? `key:${[...viewer.apiKey.scopes].sort().join(' ')}` : 'session';
  return `${viewer.accountId}\n${viewer.role}\n${credential}`;
}

/**
 * The one listener of an instance's event bus for every live subscription. Per event: one access check per
 * credential and person, one execution per (document, audience), and the same result handed to every socket
 * that shares them, a slice of sockets per turn of the event loop. Delivery starts on the turn after the
 * publish, so the mutation that published answers without waiting for the fan-out. Events of one account are
 * delivered in order.
 */
export class LiveHub implements StreamHub {
  private readonly byAccount = new Map<string, Set<LiveStream>>();
  private readonly delivering = new Map<string, Promise<void>>();
  private readonly fanOut: Histogram | undefined;

  constructor(
    events: EventBus,
    readonly access: LiveAccess,
    metrics?: Metrics,
  ) {
    this.fanOut = metrics?.histogram({
      name: 'roster_live_fanout_seconds',
      help: "Live events: from the event reaching this instance's hub to the last of its sockets handed the message (written to the socket, or queued for one that is not keeping up).",
      buckets: [0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 1, 2.5, 5],
    });
    // A change to more users than an event lists (a deleted company of 100,000) reaches dashboards as "read your lists
    // again" rather than as every one of those users, read and sent to every socket.
    events.subscribe((event) =>
      event.userIds.length > LIVE_EVENT_USER_LIMIT ? this.schedule({ ...event, userIds: [] }, true) : this.schedule(event),
    );
    events.onMissedEvents?.(() => this.missed());
  }

  add(stream: LiveStream): void {
    let streams = this.byAccount.get(stream.subscriber.accountId);
    if (!streams) this.byAccount.set(stream.subscriber.accountId, (streams = new Set()));
    streams.add(stream);
  }

  remove(stream: LiveStream): void {
    const streams = this.byAccount.get(stream.subscriber.accountId);
    if (streams?.delete(stream) && streams.size === 0) this.byAccount.delete(stream.subscriber.accountId);
  }

  /**
   * Hands `event` to `streams` (those that want it), checked and executed once per identity and audience;
   * `resync`: it tells every one of them to refetch (events were missed).
   */
  async deliver(event: AccountEvent, streams: Iterable<LiveStream>, { first = false, resync = false } = {}): Promise<number> {
    const wanting = [...streams].filter((stream) => stream.wants(event));
    const checks = new Map<string, Promise<{ verdict: Verdict } | { error: unknown }>>();
    for (const stream of wanting) {
      if (checks.has(stream.identity)) continue;
      const check = this.access.check(stream.context, stream.subscriber, event);
      checks.set(
        stream.identity,
        check.then(
          (verdict) => ({ verdict }),
          (error: unknown) => ({ error }),
        ),
      );
    }
    const verdicts = new Map<string, { verdict: Verdict; audience: string } | { error: unknown }>();
    await Promise.all(
      [...checks].map(async ([identity, check]) => {
        const outcome = await check;
        if ('error' in outcome) verdicts.set(identity, outcome);
        else
          verdicts.set(identity, { verdict: outcome.verdict, audience: outcome.verdict.viewer ? audienceOf(outcome.verdict.viewer) : '' });
      }),
    );

    // By audience, then document (keys shared by reference: the lookups per socket stay cheap at thousands of sockets).
    const groups = new Map<string, Map<string, { lead: LiveStream; members: LiveStream[]; delivery: Delivery }>>();
    for (const stream of wanting) {
      const outcome = verdicts.get(stream.identity)!;
      if ('error' in outcome) {
        stream.fail(outcome.error);
        continue;
      }
      const { verdict } = outcome;
      if (!verdict.viewer) {
        stream.end(verdict.code, verdict.reason);
        continue;
      }
      if (!stream.accept(event)) continue;
      let byDocument = groups.get(outcome.audience);
      if (!byDocument) groups.set(outcome.audience, (byDocument = new Map()));
      let group = byDocument.get(stream.documentKey);
      if (!group) {
        const live: LiveEvent = { ...event, source: event, resync, viewer: verdict.viewer };
        byDocument.set(stream.documentKey, (group = { lead: stream, members: [], delivery: { event: live, payload: null, json: null } }));
      }
      group.members.push(stream);
    }
    const all = [...groups.values()].flatMap((byDocument) => [...byDocument.values()]);
    await Promise.all(all.map(async ({ lead, delivery }) => (delivery.payload = await lead.execute(delivery.event))));

    let handed = 0;
    for (const { members, delivery } of all) {
      for (const stream of members) {
        if (resync) stream.resyncPending = false;
        stream.push(delivery, first);
        if (++handed % DELIVERY_SLICE === 0) await nextTurn();
      }
    }
    return handed;
  }

  private schedule(event: AccountEvent, resync = false): void {
    const streams = this.byAccount.get(event.accountId);
    if (!streams) return;
    const previous = this.delivering.get(event.accountId);
    const started = performance.now();
    // The first turn is the publisher's: its request finishes before the fan-out starts.
    const delivered = (previous ?? nextTurn())
      .then(async () => {
        const handed = await this.deliver(event, this.byAccount.get(event.accountId) ?? [], { resync });
        if (handed > 0) this.fanOut?.observe((performance.now() - started) / 1000);
      })
      .catch((error: unknown) => {
        for (const stream of streams) stream.fail(error);
      });
    this.delivering.set(event.accountId, delivered);
    void delivered.then(() => {
      if (this.delivering.get(event.accountId) === delivered) this.delivering.delete(event.accountId);
    });
  }

  /**
   * Events other instances published while this one was cut off from them are lost: every stream's next event
   * says resync, and a "changed" event tells those that take one to read everything again now.
   */
  private missed(): void {
    for (const [accountId, streams] of this.byAccount) {
      for (const stream of streams) stream.resyncPending = true;
      this.schedule({ accountId, type: 'user.changed', userIds: [], at: new Date() }, true);
    }
  }
}

const hubByServices = new WeakMap<object, LiveHub>();

export function liveHubOf(services: Services): LiveHub {
  let hub = hubByServices.get(services);
  if (!hub) hubByServices.set(services, (hub = new LiveHub(services.events, new LiveAccess(services, services.events), services.metrics)));
  return hub;
}

export interface LiveEventsOptions {
  /** Events kept for a slow consumer before the oldest are dropped (and the consumer told to resync). */
  maxQueue?: number;
  /** Delivered first, e.g. so a progress subscription starts with the current state. */
  initial?: (subscriber: Viewer) => AccountEvent;
}

/**
 * The events of the subscriber's current account that pass `accept`, for a subscription's `subscribe`.
 * Only administrators may subscribe. Before each event the access rule is checked again (`LiveAccess`); the
 * event then carries the subscriber's viewer as of now, which is also the context's viewer while it resolves.
 * When access ends the socket is closed (4403, or 4401 when the credential stopped working) and the stream
 * ends; an event that changes the subscriber's own membership is checked even when it is not delivered.
 */
export async function liveEvents(
  context: RequestContext,
  accept: (event: AccountEvent) => boolean,
  options: LiveEventsOptions = {},
): Promise<LiveStream> {
  const subscriber = await context.admin();
  const hub = liveHubOf(context.services);
  const stream = new LiveStream(hub, context, subscriber, accept, options.maxQueue ?? 100, options.initial?.(subscriber));
  hub.add(stream);
  return stream;
}

/**
 * graphql-ws's `subscribe`: graphql-js's source stream, then for live streams the hub's shared results
 * instead of one execution per socket and event. Any other source stream is executed per event as graphql-js does.
 */
export async function subscribeLive(args: ExecutionArgs): Promise<AsyncIterable<ExecutionResult> | ExecutionResult> {
  const source = await createSourceEventStream(args);
  if (source instanceof LiveStream) {
    source.executeWith(args);
    return source as AsyncIterableIterator<ExecutionResult>;
  }
  if (!(Symbol.asyncIterator in source)) return source;
  return executeEach(source, args);
}

async function* executeEach(source: AsyncIterable<unknown>, args: ExecutionArgs): AsyncGenerator<ExecutionResult> {
  for await (const payload of source) yield await execute({ ...args, rootValue: payload });
}
