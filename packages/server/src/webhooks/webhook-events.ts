import { AsyncLocalStorage } from 'node:async_hooks';
import type { EntityManager } from 'typeorm';
import type { AuditEventEntity } from '../audit/audit-event.entity.js';
import { newId } from '../core/db/columns.js';
import { bulkInsertEntities } from '../core/db/bulk-insert.js';
import { WebhookDeliveryEntity, WebhookDeliveryState } from './webhook-delivery.entity.js';
import { WebhookEndpointEntity } from './webhook-endpoint.entity.js';

/** The events an endpoint can subscribe to. Each is the audit action of the same name. */
export const WEBHOOK_EVENT_TYPES = {
  'user.invited': 'A user was invited (one by one, from a pasted list, a CSV import or an integration).',
  'user.reinvited': 'A pending user was sent a new invitation link; the previous link no longer works.',
  'user.uninvited': 'A pending invitation was withdrawn and the pending user removed.',
  'user.accepted': 'A user accepted their invitation and became active.',
  'user.suspended': 'A user was suspended (by an administrator, or deprovisioned by SCIM or a sync).',
  'user.role_changed': "A user's role changed (details.from and details.to).",
  'import.finished': 'A CSV import finished (details hold the outcome counts).',
  'sync.finished': 'An integration sync run finished, successfully or not.',
  'mfa.enrolled': 'A person added a second factor (details.kind: TOTP or WEBAUTHN).',
  'mfa.removed': 'A person removed one of their second factors.',
  'mfa.reset': "An administrator removed every second factor of a user (the target) and ended the user's sessions.",
  'mfa.recovery_code_used': 'A person signed in with a one-time recovery code (details.remaining: codes left).',
  'mfa.failed': 'A wrong second factor was entered after a correct password (details.method).',
  'vault.item_revealed': "A vault item's secrets were revealed (details name the item and its company, never a value).",
} as const satisfies Record<string, string>;

export type WebhookEventType = keyof typeof WEBHOOK_EVENT_TYPES;

/** Sent only by `sendTestWebhook`, whatever the endpoint subscribed to. */
export const TEST_EVENT_TYPE = 'webhook.test';

export function isWebhookEventType(value: string): value is WebhookEventType {
  return Object.hasOwn(WEBHOOK_EVENT_TYPES, value);
}

/** The JSON body of every delivery, documented in the README. */
export interface WebhookPayload {
  id: string;
  type: string;
  createdAt: string;
  accountId: string;
  actor: { type: string; id: string | null };
  target: { id: string | null; email: string | null };
  details: Record<string, unknown>;
}

export function payloadOf(
  event: Pick<
    AuditEventEntity,
    'id' | 'action' | 'createdAt' | 'accountId' | 'actorType' | 'actorId' | 'targetId' | 'targetEmail' | 'details'
  >,
): WebhookPayload {
  return {
    id: event.id,
    type: event.action,
    createdAt: event.createdAt.toISOString(),
    accountId: event.accountId,
    actor: { type: event.actorType, id: event.actorId },
    target: { id: event.targetId, email: event.targetEmail },
    details: event.details ? (JSON.parse(event.details) as Record<string, unknown>) : {},
  };
}

export function newDelivery(
  endpoint: Pick<WebhookEndpointEntity, 'id' | 'accountId'>,
  payload: WebhookPayload,
  now: Date,
): WebhookDeliveryEntity {
  return {
    id: newId(),
    accountId: endpoint.accountId,
    endpointId: endpoint.id,
    eventId: payload.id,
    eventType: payload.type,
    payload: JSON.stringify(payload),
    state: WebhookDeliveryState.PENDING,
    attempts: 0,
    nextAttemptAt: now,
    leaseOwner: null,
    leaseUntil: null,
    responseStatus: null,
    responseBody: null,
    durationMs: null,
    lastError: null,
    createdAt: now,
    lastAttemptAt: null,
    deliveredAt: null,
  };
}

/**
 * Set when this process queued deliveries inside a transaction. The worker cannot be woken from inside the
 * transaction (it would find nothing yet), so it checks this when the change's event arrives after commit:
 * events that queued nothing cost no query.
 */
export const queuedInThisProcess = { pending: false };

/**
 * Queues a delivery per (event, subscribed enabled endpoint) inside the caller's transaction (called by
 * recordAudit). Audit actions no endpoint can subscribe to cost nothing; the others one SELECT (none when an
 * import reuses the endpoints it read, see reusingWebhookEndpoints) and one multi-row INSERT per call, however many
 * events and endpoints.
 */
export async function enqueueWebhookDeliveries(manager: EntityManager, accountId: string, events: AuditEventEntity[]): Promise<void> {
  const relevant = events.filter((event) => isWebhookEventType(event.action));
  if (relevant.length === 0) return;
  const endpoints = await enabledEndpoints(manager, accountId);
  if (endpoints.length === 0) return;
  const now = new Date();
  const deliveries: WebhookDeliveryEntity[] = [];
  for (const endpoint of endpoints) {
    const subscribed = new Set(endpoint.events.split(' '));
    for (const event of relevant) if (subscribed.has(event.action)) deliveries.push(newDelivery(endpoint, payloadOf(event), now));
  }
  await bulkInsertEntities(manager, WebhookDeliveryEntity, deliveries);
  if (deliveries.length) queuedInThisProcess.pending = true;
}

type EndpointSubscriptions = Array<Pick<WebhookEndpointEntity, 'id' | 'accountId' | 'events'>>;

interface EndpointReuse {
  maxAgeMs: number;
  read: Map<string, { at: number; endpoints: EndpointSubscriptions }>;
}

const endpointReuse = new AsyncLocalStorage<EndpointReuse>();

/**
 * Lets a long job that records audit entries batch after batch (an import) read an account's endpoints once per
 * `maxAgeMs` instead of once per batch. An endpoint added meanwhile gets the job's events from the next read on;
 * a delivery for one deleted meanwhile fails its batch on the foreign key, and the job then calls
 * `forgetReusedWebhookEndpoints` and redoes the batch. Outside such a job every call reads the endpoints.
 */
export function reusingWebhookEndpoints<T>(maxAgeMs: number, work: () => Promise<T>): Promise<T> {
  return endpointReuse.run({ maxAgeMs, read: new Map() }, work);
}

/** The next batch of the job reads the endpoints again. */
export function forgetReusedWebhookEndpoints(): void {
  endpointReuse.getStore()?.read.clear();
}

async function enabledEndpoints(manager: EntityManager, accountId: string): Promise<EndpointSubscriptions> {
  const reuse = endpointReuse.getStore();
  const kept = reuse?.read.get(accountId);
  if (reuse && kept && Date.now() - kept.at < reuse.maxAgeMs) return kept.endpoints;
  const endpoints = await manager.getRepository(WebhookEndpointEntity).find({
    where: { accountId, enabled: true },
    select: { id: true, accountId: true, events: true },
  });
  reuse?.read.set(accountId, { at: Date.now(), endpoints });
  return endpoints;
}
