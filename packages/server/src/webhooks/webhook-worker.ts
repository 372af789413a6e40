import { randomBytes } from 'node:crypto';
import { In, IsNull, LessThan, LessThanOrEqual, type DataSource } from 'typeorm';
import type { RosterConfig } from '../app/config.js';
import type { Logger } from '../app/logger.js';
import type { EventBus } from '../realtime/events.js';
import { backoffDelayMs, PollingWorker } from '../common/polling-worker.js';
import { WebhookDeliveryEntity, WebhookDeliveryState } from './webhook-delivery.entity.js';
import { WebhookEndpointEntity } from './webhook-endpoint.entity.js';
import { queuedInThisProcess } from './webhook-events.js';
import { postJson, type PostResult } from './webhook-http.js';
import { signDelivery } from './webhook-signature.js';
import type { WebhookService } from './webhook.service.js';
import { checkWebhookUrl, UnsafeWebhookUrl } from './url-guard.js';

export interface WebhookWorkerOptions {
  /** Deliveries claimed (and sent in parallel) per pass. */
  batchSize?: number;
  /** How long claimed deliveries belong to this worker; longer than the request timeout. */
  leaseMs?: number;
  pollMs?: number;
  /** Attempts before a delivery is marked failed for good (with the default backoff: about a day). */
  maxAttempts?: number;
  baseBackoffMs?: number;
  maxBackoffMs?: number;
  timeoutMs?: number;
  workerId?: string;
}

/**
 * POSTs queued deliveries, signed, and records each answer. Deliveries are claimed with a lease by a
 * conditional UPDATE (only one worker's UPDATE takes a row), so any number of instances share the work and a
 * delivery whose worker died is taken over when its lease runs out. 2xx is success; anything else (or no
 * answer within the timeout) is retried with exponential backoff and jitter until `maxAttempts`.
 */
export class WebhookWorker extends PollingWorker {
  private readonly options: Required<WebhookWorkerOptions>;

  constructor(
    private readonly dataSource: DataSource,
    private readonly webhooks: WebhookService,
    private readonly config: Pick<RosterConfig, 'webhookAllowPrivateNetworks'>,
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
      ...options,
    };
    super(settings.pollMs, logger, 'Webhook worker');
    this.options = settings;
  }

  private unsubscribe: (() => void) | null = null;

  override start(): void {
    // Deliveries are queued inside the change's transaction, which cannot wake us; its event, published after
    // commit, can. Only when this process queued something; other instances' deliveries wait for the poll.
    this.unsubscribe ??= this.events.subscribe(() => {
      if (!queuedInThisProcess.pending) return;
      queuedInThisProcess.pending = false;
      this.nudge();
    });
    super.start();
  }

  override async stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = null;
    await super.stop();
  }

  /** Claims and attempts one batch; resolves with its size (0 when nothing was due). */
  async runOnce(): Promise<number> {
    const batch = await this.claim();
    if (batch.length === 0) return 0;
    const endpoints = await this.dataSource.getRepository(WebhookEndpointEntity).findBy({ id: In([...new Set(batch.map((d) => d.endpointId))]) });
    const byId = new Map(endpoints.map((e) => [e.id, e]));
    await Promise.all(
      batch.map((delivery) =>
        this.attempt(delivery, byId.get(delivery.endpointId)).catch(async (error: unknown) => {
          // One broken delivery (e.g. a secret sealed under another ROSTER_CREDENTIALS_KEY) must not stall the others.
          this.logger.error(`Webhook delivery ${delivery.id} could not be attempted`, error);
          await this.settle(delivery, { status: null, bodyExcerpt: null, durationMs: 0, error: `Not sent: ${(error as Error).message}` }, false);
        }),
      ),
    );
    return batch.length;
  }

  private async claim(): Promise<WebhookDeliveryEntity[]> {
    const repo = this.dataSource.getRepository(WebhookDeliveryEntity);
    const now = new Date();
    const due = await repo.find({
      where: [
        { state: WebhookDeliveryState.PENDING, nextAttemptAt: LessThanOrEqual(now), leaseOwner: IsNull() },
        { state: WebhookDeliveryState.PENDING, nextAttemptAt: LessThanOrEqual(now), leaseUntil: LessThan(now) },
      ],
      order: { nextAttemptAt: 'ASC', id: 'ASC' },
      take: this.options.batchSize,
      select: { id: true },
    });
    if (due.length === 0) return [];
    const me = this.options.workerId;
    await repo
      .createQueryBuilder()
      .update()
      .set({ leaseOwner: me, leaseUntil: new Date(now.getTime() + this.options.leaseMs) })
      .where({ id: In(due.map((d) => d.id)), state: WebhookDeliveryState.PENDING })
      .andWhere('(lease_owner IS NULL OR lease_until < :now)', { now })
      .execute();
    return repo.findBy({ id: In(due.map((d) => d.id)), leaseOwner: me, state: WebhookDeliveryState.PENDING });
  }

  private async attempt(delivery: WebhookDeliveryEntity, endpoint: WebhookEndpointEntity | undefined): Promise<void> {
    if (!endpoint || !endpoint.enabled) {
      await this.settle(delivery, { status: null, bodyExcerpt: null, durationMs: 0, error: endpoint ? 'Not sent: the endpoint is disabled.' : 'Not sent: the endpoint was deleted.' }, true);
      return;
    }
    const allowPrivate = this.config.webhookAllowPrivateNetworks;
    let url: URL;
    try {
      // Checked again at delivery time: the setting, or what the host resolves to, may have changed since registration.
      url = await checkWebhookUrl(endpoint.url, allowPrivate);
    } catch (error) {
      const refused = error instanceof UnsafeWebhookUrl;
      await this.settle(delivery, { status: null, bodyExcerpt: null, durationMs: 0, error: `Refused: ${(error as Error).message}` }, refused && !/could not be resolved/.test((error as Error).message));
      return;
    }
    const timestamp = Math.floor(Date.now() / 1000);
    const signature = signDelivery(this.webhooks.openSecret(endpoint), delivery.eventId, timestamp, delivery.payload);
    const result = await postJson(
      url,
      {
        'roster-webhook-id': delivery.eventId,
        'roster-webhook-timestamp': String(timestamp),
        'roster-webhook-signature': signature,
        'roster-webhook-event': delivery.eventType,
        'roster-webhook-delivery': delivery.id,
      },
      delivery.payload,
      { timeoutMs: this.options.timeoutMs, allowPrivateNetworks: allowPrivate },
    );
    const blocked = result.error?.startsWith('Refused:') ?? false;
    await this.settle(delivery, result, blocked);
  }

  /** Records the attempt; `final` fails the delivery at once (no retry can help). */
  private async settle(delivery: WebhookDeliveryEntity, result: PostResult, final: boolean): Promise<void> {
    const now = new Date();
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
        nextAttemptAt: ok || givesUp ? delivery.nextAttemptAt : new Date(now.getTime() + backoffDelayMs(attempts, this.options.baseBackoffMs, this.options.maxBackoffMs)),
        leaseOwner: null,
        leaseUntil: null,
      },
    );
    if (givesUp) this.logger.error(`Webhook delivery ${delivery.id} (${delivery.eventType}) failed for good after ${attempts} attempt(s): ${lastError}`);
  }
}
