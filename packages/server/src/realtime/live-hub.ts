import { createSourceEventStream, execute, print, type DocumentNode, type ExecutionArgs, type ExecutionResult } from 'graphql';
import type { RequestContext, Services } from '../core/context.js';
import type { AccountEvent, EventBus } from '../core/events.js';
import type { Viewer } from '../core/viewer.js';
import { LiveAccess, MEMBERSHIP_EVENTS, type LiveEvent, type Verdict } from './live-access.js';
import { liveOutletOf, nextPayloadJson, type LiveOutlet } from './live-socket.js';

/** Sockets handed an event between two turns of the event loop, so requests (and the mutation that published) go on meanwhile. */
const DELIVERY_SLICE = 32;
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** One event for the sockets of one document and audience: the same object for all of them. */
interface Delivery {
  event: LiveEvent;
  /** The subscription's result, shared by every socket of the same document and audience; null: executed per socket. */
  payload: ExecutionResult | null;
  /** `payload` as the JSON of a `next` message's payload, serialised once for every socket that writes it. */
  json: string | null;
}

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

const printedDocuments = new WeakMap<DocumentNode, string>();
/** One string per distinct document key, so the hub's per-socket grouping compares references, not texts. */
const documentKeys = new Map<string, string>();
const MAX_DOCUMENT_KEYS = 1000;

/**
 * One open subscription: the events of its account that pass `accept`, each checked against the access rule.
 * Once `executeWith` is called (graphql-ws's subscribe, see `subscribeLive`), it yields the execution results
 * the hub computed once per audience; otherwise it yields the events and graphql-js executes them per socket.
 * When its context has a socket (`attachLiveSocket`), it writes those results to the socket itself instead of
 * yielding them (see `LiveOutlet`), queueing only when the socket is not keeping up; graphql-ws's iteration then
 * just waits for the stream's end or failure.
 */
export class LiveStream implements AsyncIterableIterator<LiveEvent | ExecutionResult> {
  /** Sockets with the same identity share one access check per event. */
  readonly identity: string;
  /** Sockets with the same document key and audience share one execution per event. */
  documentKey = '';
  /** The client fell behind (events dropped) or events were missed: the next delivery says resync. */
  resyncPending = false;
  private execution: ExecutionArgs | null = null;
  private outlet: LiveOutlet | null = null;
  /** graphql-ws iterates the stream: its messages may go out (the initial one first). */
  private started = false;
  private flushing = false;
  private readonly queue: Delivery[] = [];
  private wake: (() => void) | null = null;
  private finished = false;
  private failure: { error: unknown } | null = null;

  constructor(
    private readonly hub: LiveHub,
    readonly context: RequestContext,
    readonly subscriber: Viewer,
    readonly accept: (event: AccountEvent) => boolean,
    private readonly maxQueue: number,
    private initial: AccountEvent | undefined,
  ) {
    const credential = context.authorization !== undefined ? `key:${context.authorization}` : `session:${context.sessionToken ?? ''}`;
    this.identity = `${credential}\n${subscriber.accountId}\n${subscriber.personId}`;
  }

  /** An event the hub should look at: one it delivers, or one that may change the subscriber's own access. */
  wants(event: AccountEvent): boolean {
    return this.accept(event) || (MEMBERSHIP_EVENTS.has(event.type) && event.userIds.includes(this.subscriber.membershipId));
  }

  /** From now on the hub executes the subscription's selection (once per audience) instead of graphql-js per socket. */
  executeWith(args: ExecutionArgs): void {
    let printed = printedDocuments.get(args.document);
    if (printed === undefined) printedDocuments.set(args.document, (printed = print(args.document)));
    const key = `${printed}\n${args.operationName ?? ''}\n${JSON.stringify(args.variableValues ?? {})}`;
    let shared = documentKeys.get(key);
    if (shared === undefined) {
      if (documentKeys.size >= MAX_DOCUMENT_KEYS) documentKeys.clear();
      documentKeys.set(key, (shared = key));
    }
    this.documentKey = shared;
    this.execution = args;
    this.outlet = liveOutletOf(args.contextValue) ?? null;
  }

  /** The selection executed for `event` as `viewer` sees it, in a context of its own (the socket's credentials, that viewer). */
  async execute(event: LiveEvent): Promise<ExecutionResult | null> {
    if (!this.execution) return null;
    const context = Object.create(this.context) as RequestContext;
    context.useViewer(event.viewer);
    context.resetLoaders();
    return execute({ ...this.execution, rootValue: event, contextValue: context });
  }

  push(delivery: Delivery, first = false): void {
    if (this.finished) return;
    const outlet = this.outlet;
    if (outlet && this.started && !this.flushing && this.queue.length === 0 && !this.resyncPending && !outlet.congested) {
      // The common case: straight to the socket, no queue, no promise.
      if (delivery.payload) return outlet.write((delivery.json ??= nextPayloadJson(delivery.payload)));
    }
    if (first) this.queue.unshift(delivery);
    else this.queue.push(delivery);
    if (this.queue.length > this.maxQueue) {
      // A consumer that does not keep up loses the oldest events and is told to refetch: a dead socket cannot grow memory.
      this.queue.shift();
      this.resyncPending = true;
    }
    if (outlet) {
      if (this.started) void this.flush(outlet);
    } else this.wake?.();
  }

  /** Writes the queued messages one at a time, each once the socket took the previous one (a slow consumer, or a resync). */
  private async flush(outlet: LiveOutlet): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    try {
      while (!this.finished && this.queue.length > 0) {
        const { delivery, event, payload } = this.take();
        const result = payload ?? (await this.execute(event))!;
        await outlet.writeAndWait(result === delivery.payload ? (delivery.json ??= nextPayloadJson(result)) : nextPayloadJson(result));
      }
    } catch (error) {
      this.fail(error);
    } finally {
      this.flushing = false;
    }
  }

  /** The oldest queued delivery, as this socket must see it. */
  private take(): { delivery: Delivery; event: LiveEvent; payload: ExecutionResult | null } {
    const delivery = this.queue.shift()!;
    let { event, payload } = delivery;
    if (this.resyncPending) {
      // Fell behind after this one was computed: this one tells the client to refetch (rare: executed for this socket alone).
      if (!event.resync) [event, payload] = [{ ...event, resync: true }, null];
      this.resyncPending = false;
    }
    return { delivery, event, payload };
  }

  /** Access ended: the socket is closed with `code` and the stream ends. */
  end(code: number, reason: string): void {
    this.context.onLiveAccessEnded?.(code, reason);
    this.finish();
  }

  fail(error: unknown): void {
    this.failure ??= { error };
    this.wake?.();
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async next(): Promise<IteratorResult<LiveEvent | ExecutionResult>> {
    if (this.initial) {
      const initial = this.initial;
      this.initial = undefined;
      await this.hub.deliver(initial, [this], { first: true });
    }
    if (this.outlet && !this.started) {
      // Writing to the socket itself from now on (what was queued meanwhile first): nothing is ever yielded.
      this.started = true;
      void this.flush(this.outlet);
    }
    while (!this.finished && !this.failure && (this.started || this.queue.length === 0))
      await new Promise<void>((resolve) => (this.wake = resolve));
    this.wake = null;
    if (this.failure) {
      this.finish();
      throw this.failure.error;
    }
    if (this.queue.length === 0 || this.finished) return { value: undefined, done: true };
    const { event, payload } = this.take();
    if (this.execution) return { value: payload ?? (await this.execute(event))!, done: false };
    this.context.useViewer(event.viewer);
    this.context.resetLoaders();
    return { value: event, done: false };
  }

  async return(): Promise<IteratorResult<LiveEvent | ExecutionResult>> {
    this.finish();
    return { value: undefined, done: true };
  }

  async throw(error?: unknown): Promise<IteratorResult<LiveEvent | ExecutionResult>> {
    this.finish();
    throw error;
  }

  private finish(): void {
    this.finished = true;
    this.queue.length = 0;
    this.hub.remove(this);
    this.wake?.();
  }
}

/**
 * The one listener of an instance's event bus for every live subscription. Per event: one access check per
 * credential and person, one execution per (document, audience), and the same result handed to every socket
 * that shares them, a slice of sockets per turn of the event loop. Delivery starts on the turn after the
 * publish, so the mutation that published answers without waiting for the fan-out. Events of one account are
 * delivered in order.
 */
export class LiveHub {
  private readonly byAccount = new Map<string, Set<LiveStream>>();
  private readonly delivering = new Map<string, Promise<void>>();

  constructor(
    events: EventBus,
    readonly access: LiveAccess,
  ) {
    events.subscribe((event) => this.schedule(event));
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
  async deliver(event: AccountEvent, streams: Iterable<LiveStream>, { first = false, resync = false } = {}): Promise<void> {
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
  }

  private schedule(event: AccountEvent, resync = false): void {
    const streams = this.byAccount.get(event.accountId);
    if (!streams) return;
    const previous = this.delivering.get(event.accountId);
    // The first turn is the publisher's: its request finishes before the fan-out starts.
    const delivered = (previous ?? nextTurn())
      .then(() => this.deliver(event, this.byAccount.get(event.accountId) ?? [], { resync }))
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
  if (!hub) hubByServices.set(services, (hub = new LiveHub(services.events, new LiveAccess(services, services.events))));
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
