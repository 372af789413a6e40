import { Readable } from 'node:stream';
import type express from 'express';
import type { RestContextFactory, Services } from '../core/context.js';
import { badInput, forbidden } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { csvCell } from '../core/http/csv-cell.js';
import { sendError } from '../core/http/http-error-reply.js';
import { actorKey, loadAuditActors } from './audit-log.service.js';
import { AuditActorType, type AuditEventFilter } from './audit-log.types.js';

/**
 * `GET /api/audit.csv?actions=user.invited,user.suspended&actorTypes=PERSON&actorId=&targetId=&search=&from=&to=`:
 * the audit log with the auditEvents filters, newest first, streamed page by page (an export of a large log
 * never sits in memory). Spreadsheet formulas are defused like every CSV Roster writes. For an administrator's
 * session or an API key with `audit:read`.
 */
export function mountAuditRoutes(app: express.Express, services: Services, contextOf: RestContextFactory, logger: Logger): void {
  app.get('/api/audit.csv', async (req, res) => {
    // An administrator's session, or an API key (`Authorization: Bearer`) with the audit:read scope.
    const context = contextOf({ req, res });
    let filter: AuditEventFilter;
    let accountId: string;
    try {
      const viewer = await context.admin();
      if (viewer.apiKey && !viewer.apiKey.scopes.includes('audit:read'))
        throw forbidden('This API key lacks the audit:read scope.', { requiredScope: 'audit:read' });
      accountId = viewer.accountId;
      filter = filterFromQuery(req.query);
      // Validates the filter before the 200 status is sent.
      await services.auditLog.list(accountId, { first: 0 }, filter);
    } catch (error) {
      sendError(res, error);
      return;
    }
    res
      .type('text/csv; charset=utf-8')
      .set('Content-Disposition', `attachment; filename="roster-audit-${new Date().toISOString().slice(0, 10)}.csv"`);
    Readable.from(csvLines(services, accountId, filter))
      .on('error', (error) => {
        logger.error('Audit CSV export failed midway', error);
        res.destroy(error);
      })
      .pipe(res);
  });
}

async function* csvLines(services: Services, accountId: string, filter: AuditEventFilter): AsyncGenerator<string> {
  yield (
    '\uFEFF' +
    ['time', 'action', 'actor_type', 'actor', 'actor_email', 'actor_id', 'target_id', 'target_email', 'ip', 'details'].join(',') +
    '\r\n'
  );
  for await (const events of services.auditLog.all(accountId, filter)) {
    const actors = await loadAuditActors(services.dataSource, accountId, [...new Set(events.map(actorKey))]);
    const byKey = new Map(actors.map((actor) => [`${actor.type}:${actor.id ?? ''}`, actor]));
    let chunk = '';
    for (const event of events) {
      const actor = byKey.get(actorKey(event));
      chunk +=
        [
          event.createdAt.toISOString(),
          event.action,
          event.actorType,
          actor?.name ?? '',
          actor?.email ?? '',
          event.actorId ?? '',
          event.targetId ?? '',
          event.targetEmail ?? '',
          event.ip ?? '',
          event.details ?? '',
        ]
          .map(csvCell)
          .join(',') + '\r\n';
    }
    yield chunk;
  }
}

function filterFromQuery(query: express.Request['query']): AuditEventFilter {
  const text = (name: string): string | null => {
    const value = query[name];
    if (value === undefined || value === '') return null;
    if (typeof value !== 'string') throw badInput(name, `Give \`${name}\` once.`);
    return value;
  };
  const list = (name: string) =>
    text(name)
      ?.split(',')
      .map((v) => v.trim())
      .filter(Boolean) ?? null;
  const date = (name: string) => {
    const raw = text(name);
    if (raw === null) return null;
    const value = new Date(raw);
    if (Number.isNaN(value.getTime())) throw badInput(name, `\`${name}\` must be an ISO date-time, e.g. 2026-11-01T00:00:00Z.`);
    return value;
  };
  const actorTypes = list('actorTypes');
  const unknown = actorTypes?.filter((t) => !Object.hasOwn(AuditActorType, t)) ?? [];
  if (unknown.length)
    throw badInput('actorTypes', `Unknown actor type(s): ${unknown.join(', ')}. Known: ${Object.keys(AuditActorType).join(', ')}.`);
  return {
    actions: list('actions'),
    actorTypes: actorTypes as AuditActorType[] | null,
    actorId: text('actorId'),
    targetId: text('targetId'),
    search: text('search'),
    from: date('from'),
    to: date('to'),
  };
}
