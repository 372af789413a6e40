import { randomBytes } from 'node:crypto';
import { In, IsNull, LessThan, LessThanOrEqual, type DataSource } from 'typeorm';
import type { Logger } from '../core/logger.js';
import type { EventBus } from '../core/events.js';
import { OutboundError, type OutboundHttp } from '../core/http/outbound-http.js';
import { keepLease, LEASE_FREE, type LeaseKeeper } from '../core/workers/lease.js';
import { backoffDelayMs, PollingWorker } from '../core/workers/polling-worker.js';
import { WebhookDeliveryEntity, WebhookDeliveryState } from './webhook-delivery.entity.js';
import { WebhookEndpointEntity } from './webhook-endpoint.entity.js';
import { queuedInThisProcess } from './webhook-events.js';
import { postJson, type PostResult } from './webhook-http.js';
import { signDelivery } from './webhook-signature.js';
import type { WebhookService } from './webhook.service.js';

export interface WebhookWorkerOptions {
  /** Deliveries in flight at once (sent in parallel); a pass claims up to what is free. */
  batchSize?: number;
  /** How long claimed deliveries belong to this worker without a renewal. */
  leaseMs?: number;
  /** How often the leases of deliveries in flight are renewed (default a third of leaseMs). */
  renewEveryMs?: number;
  pollMs?: number;
  /** Attempts before a delivery is marked failed for good (with the default backoff: about a day). */
  maxAttempts?: number;
  baseBackoffMs?: number;
  maxBackoffMs?: number;
  /** Deadline of one POST, from connecting to the end of the answer. */
  timeoutMs?: number;
  workerId?: string;
  /** The time leases and due dates are judged by (tests move it). */
  now?: () => number;
}

/**
 * POSTs queued deliveries, signed, and records each answer. Deliveries are claimed with a lease by a
 * conditional UPDATE (only one worker's UPDATE takes a row), so any number of instances share the work and a
 * delivery whose worker died is taken over when its lease runs out; while a delivery is in flight its lease
 * is renewed. A pass only claims and starts deliveries: it does not wait for their answers, so a receiver
 * that never answers holds one slot until its timeout, and the other endpoints' deliveries go on meanwhile.
 * 2xx is success; anything else (or no answer within the timeout) is retried with exponential backoff and
 * jitter until `maxAttempts`.
 */
export class WebhookWorker extends PollingWorker {
  private readonly options: Required<WebhookWorkerOptions>;
  private readonly inFlight = new Map<string, Promise<void>>();
  private lease: LeaseKeeper | null = null;
  /** Set when a pass found every slot taken: the next finished delivery asks for a pass. */
  private saturated = false;
  /** Aborts the requests in flight when the worker stops. */
  private stopping = new AbortController();

  constructor(
    private readonly dataSource: DataSource,
    private readonly webhooks: WebhookService,
    /** The one outbound client (it refuses private addresses unless configured). */
    private readonly http: OutboundHttp,
    private readonly logger: Logger,
    /** Changes are announced here after they commit: a pass then starts at once instead of at the next poll. */
    private readonly events: EventBus,
    options: WebhookWorkerOptions = {},
  ) {
    const settings = {
      batchSize: 20,
      leaseMs: 60_000,
      pollMs: 1_000,
      maxAttempts: 12,
      baseBackoffMs: 10_000,
      maxBackoffMs: 6 * 60 * 60_000,
      timeoutMs: 10_000,
      workerId: `webhooks-${randomBytes(6).toString('hex')}`,
      now: Date.now,
      ...options,
      renewEveryMs: options.renewEveryMs ?? Math.round((options.leaseMs ?? 60_000) / 3),
    };
    super(settings.pollMs, logger, 'Webhook worker');
    this.options = settings;
  }

  private unsubscribe: (() => void) | null = null;

  override start(): void {
    if (this.stopping.signal.aborted) this.stopping = new AbortController();
    // Deliveries are queued inside the change's transaction, which cannot wake us; its event, published after
    // commit, can. Only when this process queued something; other instances' deliveries wait for the poll.
    this.unsubscribe ??= this.events.subscribe(() => {
      if (!queuedInThisProcess.pending) return;
      queuedInThisProcess.pending = false;
      this.nudge();
    });
    super.start();
  }

  /** Stops claiming, abandons the requests in flight (their deliveries go back, unattempted) and waits for that to be written. */
  override async stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = null;
    await super.stop();
    this.stopping.abort();
    await this.settled();
  }

  /** Runs passes until nothing is due and every delivery started has its answer recorded (tests, shutdown). */
  override async drain(): Promise<number> {
    let total = 0;
    for (;;) {
      const started = await super.drain();
      await this.settled();
      total += started;
      if (started === 0) return total;
    }
  }

  /** Claims as many due deliveries as there are free slots and starts them; resolves with how many it started. */
  async runOnce(): Promise<number> {
    const free = this.options.batchSize - this.inFlight.size;
    if (free <= 0) {
      this.saturated = true;
      return 0;
    }
    const batch = await this.claim(free);
    if (batch.length === 0) return 0;
    const endpoints = await this.dataSource
      .getRepository(WebhookEndpointEntity)
      .findBy({ id: In([...new Set(batch.map((d) => d.endpointId))]) });
    const byId = new Map(endpoints.map((e) => [e.id, e]));
    for (const delivery of batch) {
      const done = this.attempt(delivery, byId.get(delivery.endpointId))
        .catch(async (error: unknown) => {
          // One broken delivery (e.g. a secret sealed under another ROSTER_CREDENTIALS_KEY) must not stall the others.
          this.logger.error(`Webhook delivery ${delivery.id} could not be attempted`, error);
          await this.settle(
            delivery,
            { status: null, bodyExcerpt: null, durationMs: 0, error: `Not sent: ${(error as Error).message}`, failure: null },
            false,
          );
        })
        .catch((error: unknown) =>
          this.logger.error(`Webhook delivery ${delivery.id}: the attempt could not be recorded; it is retried when its lease ends`, error),
        )
        .finally(() => this.finished(delivery.id));
      this.inFlight.set(delivery.id, done);
    }
    this.lease ??= keepLease(() => this.renewLeases(), this.options.renewEveryMs, this.logger, 'Webhook worker');
    return batch.length;
  }

  private finished(id: string): void {
    this.inFlight.delete(id);
    if (this.inFlight.size === 0) {
      this.lease?.stop();
      this.lease = null;
    }
    if (this.saturated) {
      this.saturated = false;
      this.nudge();
    }
  }

  private async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight.values()]);
  }

  /** Extends the leases of the deliveries in flight; a delivery finished meanwhile has no lease to extend. */
  private async renewLeases(): Promise<boolean> {
    const ids = [...this.inFlight.keys()];
    if (ids.length === 0) return true;
    await this.dataSource
      .getRepository(WebhookDeliveryEntity)
      .update(
        { id: In(ids), leaseOwner: this.options.workerId, state: WebhookDeliveryState.PENDING },
        { leaseUntil: new Date(this.options.now() + this.options.leaseMs) },
      );
    return true;
  }

  private async claim(limit: number): Promise<WebhookDeliveryEntity[]> {
    const repo = this.dataSource.getRepository(WebhookDeliveryEntity);
    const now = new Date(this.options.now());
    const due = await repo.find({
      where: [
        { state: WebhookDeliveryState.PENDING, nextAttemptAt: LessThanOrEqual(now), leaseOwner: IsNull() },
        { state: WebhookDeliveryState.PENDING, nextAttemptAt: LessThanOrEqual(now), leaseUntil: LessThan(now) },
      ],
      order: { nextAttemptAt: 'ASC', id: 'ASC' },
      take: limit,
      select: { id: true },
    });
    if (due.length === 0) return [];
    const me = this.options.workerId;
    await repo
      .createQueryBuilder()
      .update()
      .set({ leaseOwner: me, leaseUntil: new Date(now.getTime() + this.options.leaseMs) })
      .where({ id: In(due.map((d) => d.id)), state: WebhookDeliveryState.PENDING })
      .andWhere(LEASE_FREE, { now })
      .execute();
    return repo.findBy({ id: In(due.map((d) => d.id)), leaseOwner: me, state: WebhookDeliveryState.PENDING });
  }

  private async attempt(delivery: WebhookDeliveryEntity, endpoint: WebhookEndpointEntity | undefined): Promise<void> {
    if (!endpoint || !endpoint.enabled) {
      await this.settle(
        delivery,
        {
          status: null,
          bodyExcerpt: null,
          durationMs: 0,
          error: endpoint ? 'Not sent: the endpoint is disabled.' : 'Not sent: the endpoint was deleted.',
          failure: null,
        },
        true,
      );
      return;
    }
    let url: URL;
    try {
      // Checked again at delivery time: the setting, or what the host resolves to, may have changed since
      // registration (and again inside the socket's DNS lookup, by the outbound client).
      url = await this.http.check(endpoint.url);
    } catch (error) {
      if (!(error instanceof OutboundError)) throw error;
      const refused = error.failure === 'REFUSED';
      await this.settle(
        delivery,
        {
          status: null,
          bodyExcerpt: null,
          durationMs: 0,
          error: refused ? `Refused: ${error.message}` : error.message,
          failure: error.failure,
        },
        refused,
      );
      return;
    }
    const timestamp = Math.floor(Date.now() / 1000);
    const signature = signDelivery(this.webhooks.openSecret(endpoint), delivery.eventId, timestamp, delivery.payload);
    const result = await postJson(
      this.http,
      url,
      {
        'roster-webhook-id': delivery.eventId,
        'roster-webhook-timestamp': String(timestamp),
        'roster-webhook-signature': signature,
        'roster-webhook-event': delivery.eventType,
        'roster-webhook-delivery': delivery.id,
      },
      delivery.payload,
      { timeoutMs: this.options.timeoutMs, signal: this.stopping.signal },
    );
    if (result.failure === 'ABORTED') return this.release(delivery);
    await this.settle(delivery, result, result.failure === 'REFUSED');
  }

  /** Hands a delivery given up while stopping back as it was: not an attempt, due at once for whoever polls next. */
  private async release(delivery: WebhookDeliveryEntity): Promise<void> {
    await this.dataSource
      .getRepository(WebhookDeliveryEntity)
      .update({ id: delivery.id, leaseOwner: this.options.workerId }, { leaseOwner: null, leaseUntil: null });
  }

  /** Records the attempt; `final` fails the delivery at once (no retry can help). */
  private async settle(delivery: WebhookDeliveryEntity, result: PostResult, final: boolean): Promise<void> {
    const now = new Date(this.options.now());
    const attempts = delivery.attempts + 1;
    const ok = result.status !== null && result.status >= 200 && result.status < 300;
    const givesUp = !ok && (final || attempts >= this.options.maxAttempts);
    const lastError = ok ? null : (result.error ?? `HTTP ${result.status}`).slice(0, 1000);
    await this.dataSource.getRepository(WebhookDeliveryEntity).update(
      { id: delivery.id, leaseOwner: this.options.workerId },
      {
        state: ok ? WebhookDeliveryState.SUCCEEDED : givesUp ? WebhookDeliveryState.FAILED : WebhookDeliveryState.PENDING,
        attempts,
        responseStatus: result.status,
        responseBody: result.bodyExcerpt,
        durationMs: result.durationMs,
        lastError,
        lastAttemptAt: now,
        deliveredAt: ok ? now : null,
        nextAttemptAt:
          ok || givesUp
            ? delivery.nextAttemptAt
            : new Date(now.getTime() + backoffDelayMs(attempts, this.options.baseBackoffMs, this.options.maxBackoffMs)),
        leaseOwner: null,
        leaseUntil: null,
      },
    );
    if (givesUp)
      this.logger.error(
        `Webhook delivery ${delivery.id} (${delivery.eventType}) failed for good after ${attempts} attempt(s): ${lastError}`,
      );
  }
}
