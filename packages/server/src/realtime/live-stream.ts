import { execute, print, type DocumentNode, type ExecutionArgs, type ExecutionResult } from 'graphql';
import type { RequestContext } from '../core/context.js';
import type { AccountEvent } from '../core/events.js';
import type { Viewer } from '../core/viewer.js';
import { MEMBERSHIP_EVENTS, type LiveEvent } from './live-access.js';
import { liveOutletOf, nextPayloadJson, type LiveOutlet } from './live-socket.js';

/** One event for the sockets of one document and audience: the same object for all of them. */
export interface Delivery {
  event: LiveEvent;
  /** The subscription's result, shared by every socket of the same document and audience; null: executed per socket. */
  payload: ExecutionResult | null;
  /** `payload` as the JSON of a `next` message's payload, serialised once for every socket that writes it. */
  json: string | null;
}

/** What a stream asks of its hub (live-hub.ts). */
export interface StreamHub {
  deliver(event: AccountEvent, streams: Iterable<LiveStream>, options: { first?: boolean }): Promise<number>;
  remove(stream: LiveStream): void;
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
    private readonly hub: StreamHub,
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
