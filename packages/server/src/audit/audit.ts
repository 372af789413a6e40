import type { EntityManager } from 'typeorm';
import { newId } from '../core/db/columns.js';
import type { Actor } from '../core/viewer.js';
import { bulkInsertEntities } from '../core/db/bulk-insert.js';
import { AuditEventEntity } from './audit-event.entity.js';
import { currentRequestIp } from './request-scope.js';

export type { Actor };

export interface AuditEntry {
  action: string;
  targetId?: string | null;
  targetEmail?: string | null;
  details?: Record<string, unknown>;
}

/** What another feature does with entries just recorded, in the same transaction (webhooks queue their deliveries). */
export type AuditReaction = (manager: EntityManager, accountId: string, rows: AuditEventEntity[]) => Promise<void>;

const reactions = new Set<AuditReaction>();

/**
 * Adds a reaction to every recorded entry. The reacting feature owns it and the roof registers it at start-up
 * (app/services.ts), so the audit trail names no feature that listens to it. Registering one twice is a no-op.
 */
export function reactToAuditEntries(reaction: AuditReaction): void {
  reactions.add(reaction);
}

/** Records entries inside the caller's transaction, so the trail and the change commit together. */
export async function recordAudit(manager: EntityManager, accountId: string, actor: Actor, entries: AuditEntry[]): Promise<void> {
  if (entries.length === 0) return;
  const now = new Date();
  const rows: AuditEventEntity[] = entries.map((entry) => ({
    id: newId(),
    accountId,
    actorType: actor.type,
    actorId: actor.id,
    action: entry.action,
    targetId: entry.targetId ?? null,
    targetEmail: entry.targetEmail ?? null,
    details: entry.details ? JSON.stringify(entry.details) : null,
    ip: currentRequestIp(),
    createdAt: now,
  }));
  await bulkInsertEntities(manager, AuditEventEntity, rows);
  // Same transaction: a webhook delivery exists exactly when the change it reports does, restarts or not.
  for (const react of reactions) await react(manager, accountId, rows);
}
