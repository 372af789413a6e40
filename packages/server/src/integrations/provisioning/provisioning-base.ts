import { createHash } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import type { Actor } from '../../audit/index.js';
import { newId, normalizeEmail } from '../../core/db/columns.js';
import type { InvitationService } from '../../invitations/index.js';
import type { AccountEvent, EventBus } from '../../core/events.js';
import { ExternalLinkEntity } from '../external-link.entity.js';
import type { IntegrationEntity } from '../integration.entity.js';
import { IntegrationType, parseIntegrationOptions, type ExternalResourceType, type IntegrationOptions } from '../integration-kinds.js';
import { ProvisioningError, type UpstreamGroup, type UpstreamUser } from './provisioning-model.js';

const EMAIL_PATTERN = /^[^\s@<>(),;:"[\]]+@[^\s@<>(),;:"[\]]+\.[^\s@<>(),;:"[\]]+$/;

/**
 * What users, groups and companies provisioning share: the integration's options, who the audit trail names,
 * the (integration, external id) links that make repeats idempotent, and the live events.
 */
export abstract class ProvisioningBase {
  constructor(
    protected readonly dataSource: DataSource,
    protected readonly events: EventBus,
    protected readonly invitations: InvitationService,
  ) {}

  optionsOf(integration: IntegrationEntity): IntegrationOptions {
    return parseIntegrationOptions(integration.type, integration.options);
  }

  actorOf(integration: IntegrationEntity): Actor {
    return { type: integration.type === IntegrationType.SCIM ? 'SCIM' : 'INTEGRATION', id: integration.id };
  }

  protected checkedEmail(raw: string): string {
    const email = normalizeEmail(raw ?? '');
    if (!EMAIL_PATTERN.test(email) || email.length > 320)
      throw new ProvisioningError('INVALID_EMAIL', `"${raw}" is not a valid email address.`);
    return email;
  }

  /** This integration's link of one type, found by the local id when given, else by the upstream id. */
  protected async linkBy(
    integration: IntegrationEntity,
    resourceType: ExternalResourceType,
    by: { localId?: string; externalId?: string | null },
  ): Promise<ExternalLinkEntity | null> {
    const key = by.localId ? { localId: by.localId } : by.externalId ? { externalId: by.externalId } : null;
    return key
      ? this.dataSource.getRepository(ExternalLinkEntity).findOneBy({ integrationId: integration.id, resourceType, ...key })
      : null;
  }

  protected async insertLink(
    manager: EntityManager,
    integration: IntegrationEntity,
    resourceType: ExternalResourceType,
    externalId: string | null,
    localId: string,
    upstream: UpstreamUser | UpstreamGroup | null,
    now: Date,
  ): Promise<void> {
    await manager.insert(ExternalLinkEntity, {
      id: newId(),
      integrationId: integration.id,
      accountId: integration.accountId,
      resourceType,
      externalId,
      localId,
      fingerprint: upstream && 'email' in upstream ? fingerprintOf(upstream) : null,
      attributes: upstream?.attributes ? JSON.stringify(upstream.attributes) : null,
      lastSeenAt: now,
      createdAt: now,
    });
  }

  protected publish(accountId: string, type: AccountEvent['type'], userIds: string[]): void {
    if (userIds.length) this.events.publish({ accountId, type, userIds, at: new Date() });
  }
}

/** What an upstream user looked like when last applied: an unchanged one is skipped without a write. */
export function fingerprintOf(upstream: UpstreamUser): string {
  return createHash('sha256')
    .update(JSON.stringify([upstream.externalId, upstream.email, upstream.name, upstream.active, upstream.attributes ?? null]))
    .digest('hex');
}

export function parseAttributes(json: string | null): Record<string, unknown> | null {
  return json ? (JSON.parse(json) as Record<string, unknown>) : null;
}
