import { In, type DataSource } from 'typeorm';
import { newId, toSqlDateTime } from '../core/db/columns.js';
import { AuditActorType } from '../audit/audit-log.types.js';
import type { Services } from '../core/context.js';
import { IntegrationEntity } from './integration.entity.js';
import { ScimRequestErrorEntity } from './scim-request-error.entity.js';
import { ScimActivityKind, type ScimActivityItem } from './scim-activity.types.js';

/*
 * What a SCIM integration's page shows of its identity provider: when it last called (lastRequestAt) and what it did
 * lately (the audit entries it wrote, plus the requests Roster answered with an error).
 */

/** lastRequestAt is written at most this often per integration, so a busy IdP does not write on every request. */
export const LAST_REQUEST_WRITE_MS = 60_000;
/** Errors kept per integration; older ones are deleted as new ones come. */
export const KEPT_ERRORS = 20;
export const MAX_ACTIVITY = 50;

/**
 * Notes an authenticated SCIM request. `integration` is the row the request was authenticated with, so a recent
 * lastRequestAt costs nothing; otherwise one conditional UPDATE (of several instances at most one writes a minute).
 */
export async function noteScimRequest(dataSource: DataSource, integration: IntegrationEntity, now = new Date()): Promise<void> {
  const threshold = new Date(now.getTime() - LAST_REQUEST_WRITE_MS);
  if (integration.lastRequestAt && integration.lastRequestAt > threshold) return;
  await dataSource
    .getRepository(IntegrationEntity)
    .createQueryBuilder()
    .update()
    .set({ lastRequestAt: now })
    .where('id = :id AND (last_request_at IS NULL OR last_request_at < :threshold)', {
      id: integration.id,
      threshold: toSqlDateTime(threshold),
    })
    .execute();
}

export interface ScimErrorRecord {
  method: string;
  /** Below /scim/v2, without the query string. */
  path: string;
  status: number;
  scimType: string | null;
  detail: string;
}

/** Keeps a SCIM error answer (never a body or a token) and deletes the integration's errors beyond the newest few. */
export async function recordScimError(
  dataSource: DataSource,
  integration: { id: string; accountId: string },
  error: ScimErrorRecord,
  now = new Date(),
): Promise<void> {
  const repo = dataSource.getRepository(ScimRequestErrorEntity);
  await repo.insert({
    id: newId(),
    integrationId: integration.id,
    accountId: integration.accountId,
    method: error.method.slice(0, 8),
    path: error.path.split('?')[0]!.slice(0, 300),
    status: error.status,
    scimType: error.scimType?.slice(0, 32) ?? null,
    detail: error.detail.slice(0, 500),
    createdAt: now,
  });
  const beyond = await repo.find({
    where: { integrationId: integration.id },
    select: { id: true },
    order: { createdAt: 'DESC', id: 'DESC' },
    skip: KEPT_ERRORS,
    take: 100,
  });
  if (beyond.length) await repo.delete({ id: In(beyond.map((row) => row.id)) });
}

const KINDS: Record<string, ScimActivityKind> = {
  'user.invited': ScimActivityKind.CREATED,
  'user.staged': ScimActivityKind.CREATED,
  'user.linked': ScimActivityKind.CREATED,
  'group.created': ScimActivityKind.CREATED,
  'company.created': ScimActivityKind.CREATED,
  'user.updated': ScimActivityKind.UPDATED,
  'group.renamed': ScimActivityKind.UPDATED,
  'group.member_added': ScimActivityKind.UPDATED,
  'group.member_removed': ScimActivityKind.UPDATED,
  'company.renamed': ScimActivityKind.UPDATED,
  'user.suspended': ScimActivityKind.DEACTIVATED,
  'user.restored': ScimActivityKind.REACTIVATED,
  'user.unlinked': ScimActivityKind.REMOVED,
  'group.deleted': ScimActivityKind.REMOVED,
};

/** The newest `first` changes the integration made (its audit entries, actor SCIM) and errors, newest first. */
export async function scimActivity(
  dataSource: DataSource,
  auditLog: Services['auditLog'],
  integration: { id: string; accountId: string },
  first: number,
): Promise<ScimActivityItem[]> {
  const size = Math.max(0, Math.min(first, MAX_ACTIVITY));
  if (size === 0) return [];
  const [audit, errors] = await Promise.all([
    auditLog.list(
      integration.accountId,
      { first: size },
      { actorTypes: [AuditActorType.SCIM], actorId: integration.id, actions: Object.keys(KINDS) },
    ),
    dataSource.getRepository(ScimRequestErrorEntity).find({
      where: { integrationId: integration.id },
      order: { createdAt: 'DESC', id: 'DESC' },
      take: size,
    }),
  ]);
  const changes: ScimActivityItem[] = audit.edges.map(({ node }) => ({
    at: node.createdAt,
    kind: KINDS[node.action]!,
    action: node.action,
    target: node.targetEmail ?? nameIn(node.details),
    method: null,
    path: null,
    status: null,
    detail: null,
  }));
  const failures: ScimActivityItem[] = errors.map((error) => ({
    at: error.createdAt,
    kind: ScimActivityKind.ERROR,
    action: null,
    target: null,
    method: error.method,
    path: error.path,
    status: error.status,
    detail: error.detail,
  }));
  return [...changes, ...failures].sort((a, b) => b.at.getTime() - a.at.getTime()).slice(0, size);
}

function nameIn(details: string | null): string | null {
  if (!details) return null;
  try {
    const parsed = JSON.parse(details) as { name?: unknown; to?: unknown };
    return typeof parsed.name === 'string' ? parsed.name : typeof parsed.to === 'string' ? parsed.to : null;
  } catch {
    return null;
  }
}
