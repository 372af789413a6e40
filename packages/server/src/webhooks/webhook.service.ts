import type { DataSource, EntityManager } from 'typeorm';
import { badInput, notFound } from '../core/errors.js';
import { recordAudit } from '../audit/index.js';
import { actorOf, type Viewer } from '../core/viewer.js';
import { fromSqlDateTime, newId } from '../core/db/columns.js';
import { toPageRequest, type Connection, type PageArgs } from '../core/lists/connection.js';
import { readKeysetPage, readKeysetPageRaw } from '../core/lists/keyset.js';
import { countUpTo, dialectOf } from '../core/lists/capped-count.js';
import { inTransaction } from '../core/db/transaction.js';
import type { SecretBox } from '../integrations/index.js';
import { WebhookDeliveryEntity, WebhookDeliveryState } from './webhook-delivery.entity.js';
import { WebhookEndpointEntity } from './webhook-endpoint.entity.js';
import { isWebhookEventType, newDelivery, TEST_EVENT_TYPE, WEBHOOK_EVENT_TYPES, type WebhookPayload } from './webhook-events.js';
import { newSigningSecret } from './webhook-signature.js';
import { OutboundError, type OutboundHttp, type Resolver } from '../core/http/outbound-http.js';

/** An account may register this many endpoints: each event is POSTed to each of them. */
export const MAX_ENDPOINTS_PER_ACCOUNT = 20;
const MAX_URL_LENGTH = 2000;
const MAX_DESCRIPTION_LENGTH = 500;

export interface EndpointInput {
  url?: string | null;
  description?: string | null;
  events?: string[] | null;
  enabled?: boolean | null;
}

/** What the API shows of an endpoint: never its secret, only the secret's first characters. */
export type EndpointInfo = Omit<WebhookEndpointEntity, 'sealedSecret' | 'events' | 'account' | 'createdBy'> & { events: string[] };

export type DeliveryInfo = Omit<WebhookDeliveryEntity, 'leaseOwner' | 'leaseUntil' | 'account' | 'endpoint'>;

/** Registering, changing and removing webhook endpoints, and listing, re-sending and testing deliveries. */
export class WebhookService {
  constructor(
    private readonly dataSource: DataSource,
    /** The outbound client: its guard decides which URLs may be saved. */
    private readonly http: OutboundHttp,
    private readonly secretBox: SecretBox,
    /** Wakes the delivery worker after a delivery was queued by this service. */
    private readonly onQueued: () => void = () => {},
    private readonly resolve?: Resolver,
  ) {}

  /** Opens an endpoint's signing secret (the worker signs with it). */
  openSecret(endpoint: Pick<WebhookEndpointEntity, 'id' | 'sealedSecret'>): string {
    return this.secretBox.open(endpoint.sealedSecret, `webhook:${endpoint.id}`);
  }

  async listEndpoints(accountId: string, page: PageArgs | undefined): Promise<Connection<EndpointInfo>> {
    const request = toPageRequest(page, 'created');
    const base = () =>
      this.dataSource.createQueryBuilder().from(WebhookEndpointEntity, 'e').where('e.account_id = :accountId', { accountId });
    const [pageResult, total] = await Promise.all([
      readKeysetPage(base().select(ENDPOINT_COLUMNS), {
        sortKey: 'e.created_at',
        idColumn: 'e.id',
        ascending: false,
        request,
        orderName: 'created',
        toNode: toEndpointInfo,
      }),
      base().select('COUNT(*)', 'n').getRawOne<{ n: number | string }>(),
    ]);
    return { ...pageResult, totalCount: Number(total?.n ?? 0) };
  }

  async getEndpoint(accountId: string, id: string): Promise<EndpointInfo> {
    return toEndpointInfo(await this.findEndpoint(accountId, id));
  }

  async findEndpoint(accountId: string, id: string, field = 'id'): Promise<WebhookEndpointEntity> {
    const endpoint = await this.dataSource.getRepository(WebhookEndpointEntity).findOneBy({ id, accountId });
    if (!endpoint) throw notFound('Webhook endpoint', field);
    return endpoint;
  }

  async create(viewer: Viewer, input: EndpointInput): Promise<{ endpoint: EndpointInfo; secret: string }> {
    const count = await this.dataSource.getRepository(WebhookEndpointEntity).countBy({ accountId: viewer.accountId });
    if (count >= MAX_ENDPOINTS_PER_ACCOUNT)
      throw badInput('input.url', `An account has at most ${MAX_ENDPOINTS_PER_ACCOUNT} webhook endpoints; delete one first.`);
    const url = await this.validUrl(input.url ?? '');
    const events = validEvents(input.events ?? []);
    const description = validDescription(input.description);
    const secret = newSigningSecret();
    const now = new Date();
    const id = newId();
    const row: WebhookEndpointEntity = {
      id,
      accountId: viewer.accountId,
      url,
      description,
      events: events.join(' '),
      sealedSecret: this.secretBox.seal(secret, `webhook:${id}`),
      secretPrefix: secret.slice(0, 12),
      enabled: input.enabled ?? true,
      createdByPersonId: viewer.personId,
      createdAt: now,
      updatedAt: now,
      secretRolledAt: null,
    };
    await inTransaction(this.dataSource, async (manager) => {
      await manager.insert(WebhookEndpointEntity, row);
      await recordAudit(manager, viewer.accountId, actorOf(viewer), [
        { action: 'webhook.endpoint_created', targetId: id, details: { url, events, enabled: row.enabled } },
      ]);
    });
    return { endpoint: toEndpointInfo(row), secret };
  }

  async update(viewer: Viewer, id: string, input: EndpointInput): Promise<EndpointInfo> {
    const existing = await this.findEndpoint(viewer.accountId, id, 'input.id');
    const changes: Partial<WebhookEndpointEntity> = {};
    if (input.url != null) changes.url = await this.validUrl(input.url);
    if (input.events != null) changes.events = validEvents(input.events).join(' ');
    if (input.description !== undefined) changes.description = validDescription(input.description);
    if (input.enabled != null) changes.enabled = input.enabled;
    if (Object.keys(changes).length === 0) return toEndpointInfo(existing);
    changes.updatedAt = new Date();
    await inTransaction(this.dataSource, async (manager) => {
      await manager.update(WebhookEndpointEntity, { id, accountId: viewer.accountId }, changes);
      const { updatedAt: _updatedAt, ...audited } = changes;
      await recordAudit(manager, viewer.accountId, actorOf(viewer), [
        { action: 'webhook.endpoint_updated', targetId: id, details: audited },
      ]);
    });
    return toEndpointInfo({ ...existing, ...changes });
  }

  /** A new signing secret; the old one stops signing at once. */
  async rollSecret(viewer: Viewer, id: string): Promise<{ endpoint: EndpointInfo; secret: string }> {
    const existing = await this.findEndpoint(viewer.accountId, id, 'input.id');
    const secret = newSigningSecret();
    const now = new Date();
    const changes = {
      sealedSecret: this.secretBox.seal(secret, `webhook:${id}`),
      secretPrefix: secret.slice(0, 12),
      secretRolledAt: now,
      updatedAt: now,
    };
    await inTransaction(this.dataSource, async (manager) => {
      await manager.update(WebhookEndpointEntity, { id, accountId: viewer.accountId }, changes);
      await recordAudit(manager, viewer.accountId, actorOf(viewer), [
        { action: 'webhook.secret_rolled', targetId: id, details: { secretPrefix: changes.secretPrefix } },
      ]);
    });
    return { endpoint: toEndpointInfo({ ...existing, ...changes }), secret };
  }

  /** Deletes the endpoint and its delivery history; pending deliveries are not sent. */
  async remove(viewer: Viewer, id: string): Promise<EndpointInfo> {
    const existing = await this.findEndpoint(viewer.accountId, id, 'input.id');
    await inTransaction(this.dataSource, async (manager) => {
      await manager.delete(WebhookDeliveryEntity, { endpointId: id, accountId: viewer.accountId });
      await manager.delete(WebhookEndpointEntity, { id, accountId: viewer.accountId });
      await recordAudit(manager, viewer.accountId, actorOf(viewer), [
        { action: 'webhook.endpoint_deleted', targetId: id, details: { url: existing.url } },
      ]);
    });
    return toEndpointInfo(existing);
  }

  /**
   * An endpoint's deliveries, newest first, walked through ix_webhook_deliveries_endpoint (endpoint, created, id): a
   * page reads about a page of rows however long the history; the count stops at COUNT_CAP.
   */
  async listDeliveries(accountId: string, endpointId: string, page: PageArgs | undefined): Promise<Connection<DeliveryInfo>> {
    await this.findEndpoint(accountId, endpointId, 'endpointId');
    const request = toPageRequest(page, 'created');
    const query = {
      select: DELIVERY_COLUMNS.join(', '),
      from:
        dialectOf(this.dataSource) === 'mysql'
          ? 'webhook_deliveries d FORCE INDEX (ix_webhook_deliveries_endpoint)'
          : 'webhook_deliveries d',
      where: ['d.endpoint_id = ?', 'd.account_id = ?'],
      params: [endpointId, accountId],
    };
    const [pageResult, totalCount] = await Promise.all([
      readKeysetPageRaw(this.dataSource, query, {
        sortKey: 'd.created_at',
        idColumn: 'd.id',
        ascending: false,
        request,
        orderName: 'created',
        toNode: toDeliveryInfo,
      }),
      // The endpoint is the account's (checked above): counting by it alone reads the index, not each delivery's row.
      countUpTo(this.dataSource, { ...query, where: ['d.endpoint_id = ?'], params: [endpointId] }),
    ]);
    return { ...pageResult, totalCount };
  }

  /** Queues a new delivery of the same event (same body and Roster-Webhook-Id) to the same endpoint. */
  async redeliver(viewer: Viewer, deliveryId: string): Promise<DeliveryInfo> {
    const original = await this.dataSource.getRepository(WebhookDeliveryEntity).findOneBy({ id: deliveryId, accountId: viewer.accountId });
    if (!original) throw notFound('Webhook delivery', 'input.deliveryId');
    const endpoint = await this.findEndpoint(viewer.accountId, original.endpointId, 'input.deliveryId');
    const delivery = newDelivery(endpoint, JSON.parse(original.payload) as WebhookPayload, new Date());
    await this.queue(viewer, delivery, {
      action: 'webhook.redelivered',
      targetId: endpoint.id,
      details: { deliveryId: original.id, eventId: original.eventId, eventType: original.eventType },
    });
    return toDeliveryInfo(delivery);
  }

  /** Queues a `webhook.test` delivery to the endpoint, whatever it subscribed to (enabled or not). */
  async sendTest(viewer: Viewer, endpointId: string): Promise<DeliveryInfo> {
    const endpoint = await this.findEndpoint(viewer.accountId, endpointId, 'input.endpointId');
    const now = new Date();
    const payload: WebhookPayload = {
      id: newId(),
      type: TEST_EVENT_TYPE,
      createdAt: now.toISOString(),
      accountId: viewer.accountId,
      actor: actorOf(viewer),
      target: { id: null, email: null },
      details: { message: 'A test delivery from Roster: if you can read this, your endpoint works.' },
    };
    const delivery = newDelivery(endpoint, payload, now);
    await this.queue(viewer, delivery, { action: 'webhook.test_sent', targetId: endpoint.id, details: { deliveryId: delivery.id } });
    return toDeliveryInfo(delivery);
  }

  private async queue(
    viewer: Viewer,
    delivery: WebhookDeliveryEntity,
    audit: { action: string; targetId: string; details: Record<string, unknown> },
  ): Promise<void> {
    await inTransaction(this.dataSource, async (manager: EntityManager) => {
      await manager.insert(WebhookDeliveryEntity, delivery);
      await recordAudit(manager, viewer.accountId, actorOf(viewer), [audit]);
    });
    this.onQueued();
  }

  private async validUrl(raw: string): Promise<string> {
    const url = raw.trim();
    if (!url) throw badInput('input.url', 'Enter the URL that receives the webhooks.');
    if (url.length > MAX_URL_LENGTH) throw badInput('input.url', `A webhook URL has at most ${MAX_URL_LENGTH} characters.`);
    try {
      return (await this.http.check(url, this.resolve)).toString();
    } catch (error) {
      if (error instanceof OutboundError) throw badInput('input.url', error.message);
      throw error;
    }
  }
}

/**
 * The newest delivery of each endpoint, in one query for a whole page of endpoints (the `lastDelivery` loader).
 * Each endpoint's newest row is one descent of the (endpoint_id, created_at, id) index, however long its history.
 */
export async function lastDeliveriesOf(
  dataSource: DataSource,
  accountId: string,
  endpointIds: readonly string[],
): Promise<Array<DeliveryInfo | null>> {
  const newest = dataSource
    .createQueryBuilder()
    .select('n.id')
    .from(WebhookDeliveryEntity, 'n')
    .where('n.endpoint_id = e.id')
    .orderBy('n.created_at', 'DESC')
    .addOrderBy('n.id', 'DESC')
    .limit(1);
  const rows: Array<Record<string, any> & { id: string }> = await dataSource
    .createQueryBuilder()
    .select(DELIVERY_COLUMNS)
    .from(WebhookEndpointEntity, 'e')
    .innerJoin(WebhookDeliveryEntity, 'd', `d.id = (${newest.getQuery()})`)
    .where('e.account_id = :accountId', { accountId })
    .andWhere('e.id IN (:...endpointIds)', { endpointIds: [...endpointIds] })
    .getRawMany();
  const byEndpoint = new Map(rows.map((row) => [row.endpointId as string, toDeliveryInfo(row)]));
  return endpointIds.map((id) => byEndpoint.get(id) ?? null);
}

function validEvents(events: string[]): string[] {
  const unique = [...new Set(events.map((e) => e.trim()))];
  if (unique.length === 0) throw badInput('input.events', 'Choose at least one event.');
  const unknown = unique.filter((e) => !isWebhookEventType(e));
  if (unknown.length)
    throw badInput(
      'input.events',
      `Unknown event(s): ${unknown.slice(0, 5).join(', ')}. Known events: ${Object.keys(WEBHOOK_EVENT_TYPES).join(', ')}.`,
    );
  return unique;
}

function validDescription(raw: string | null | undefined): string | null {
  const description = raw?.trim() ?? '';
  if (description.length > MAX_DESCRIPTION_LENGTH)
    throw badInput('input.description', `A description has at most ${MAX_DESCRIPTION_LENGTH} characters.`);
  return description || null;
}

const ENDPOINT_COLUMNS = [
  'e.id AS id',
  'e.account_id AS accountId',
  'e.url AS url',
  'e.description AS description',
  'e.events AS events',
  'e.secret_prefix AS secretPrefix',
  'e.enabled AS enabled',
  'e.created_by_person_id AS createdByPersonId',
  'e.created_at AS createdAt',
  'e.updated_at AS updatedAt',
  'e.secret_rolled_at AS secretRolledAt',
];

const DELIVERY_COLUMNS = [
  'd.id AS id',
  'd.account_id AS accountId',
  'd.endpoint_id AS endpointId',
  'd.event_id AS eventId',
  'd.event_type AS eventType',
  'd.payload AS payload',
  'd.state AS state',
  'd.attempts AS attempts',
  'd.next_attempt_at AS nextAttemptAt',
  'd.response_status AS responseStatus',
  'd.response_body AS responseBody',
  'd.duration_ms AS durationMs',
  'd.last_error AS lastError',
  'd.created_at AS createdAt',
  'd.last_attempt_at AS lastAttemptAt',
  'd.delivered_at AS deliveredAt',
];

const date = (value: unknown): Date | null => (value === null || value === undefined ? null : fromSqlDateTime(value as string | Date));

function toEndpointInfo(row: Record<string, any>): EndpointInfo {
  return {
    id: row.id,
    accountId: row.accountId,
    url: row.url,
    description: row.description ?? null,
    events: String(row.events).split(' ').filter(Boolean),
    secretPrefix: row.secretPrefix,
    enabled: row.enabled === true || row.enabled === 1 || row.enabled === '1',
    createdByPersonId: row.createdByPersonId ?? null,
    createdAt: date(row.createdAt)!,
    updatedAt: date(row.updatedAt)!,
    secretRolledAt: date(row.secretRolledAt),
  };
}

function toDeliveryInfo(row: Record<string, any> & { id: string }): DeliveryInfo {
  return {
    id: row.id,
    accountId: row.accountId,
    endpointId: row.endpointId,
    eventId: row.eventId,
    eventType: row.eventType,
    payload: row.payload,
    state: row.state as WebhookDeliveryState,
    attempts: Number(row.attempts),
    nextAttemptAt: date(row.nextAttemptAt)!,
    responseStatus: row.responseStatus === null || row.responseStatus === undefined ? null : Number(row.responseStatus),
    responseBody: row.responseBody ?? null,
    durationMs: row.durationMs === null || row.durationMs === undefined ? null : Number(row.durationMs),
    lastError: row.lastError ?? null,
    createdAt: date(row.createdAt)!,
    lastAttemptAt: date(row.lastAttemptAt),
    deliveredAt: date(row.deliveredAt),
  };
}
