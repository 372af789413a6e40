import type { DataSource } from 'typeorm';
import { inTransaction } from '../../core/db/transaction.js';
import { notFound } from '../../core/errors.js';
import { toPageRequest, type Connection, type PageArgs } from '../../core/lists/connection.js';
import { readKeysetPage } from '../../core/lists/keyset.js';
import { fromSqlDateTime, toSqlDateTime } from '../../core/db/columns.js';
import type { Viewer } from '../../core/viewer.js';
import { SessionEntity } from '../session.entity.js';
import { describeDevice } from './device.js';
import { auditOwnSessions, endOtherSessions } from './end-sessions.js';
import type { SignedInSession } from './session.types.js';

interface SessionRow {
  id: string;
  user_agent: string | null;
  ip: string | null;
  created_at: string | Date;
  last_seen_at: string | Date | null;
  mfa_pending: string | null;
}

const COLUMNS = [
  's.id AS id',
  's.user_agent AS user_agent',
  's.ip AS ip',
  's.created_at AS created_at',
  's.last_seen_at AS last_seen_at',
  's.mfa_pending AS mfa_pending',
];

/** A person's own sessions: listed, signed out one by one or all but the current one. Never another person's. */
export class MySessions {
  constructor(
    private readonly dataSource: DataSource,
    private readonly now: () => Date,
  ) {}

  /** The viewer's live sessions (not ended, not expired), newest sign-in first, the current one marked. */
  async list(viewer: Viewer, page: PageArgs | undefined): Promise<Connection<SignedInSession>> {
    const request = toPageRequest(page, 'created');
    const base = () =>
      this.dataSource
        .createQueryBuilder()
        .from(SessionEntity, 's')
        .where('s.person_id = :personId AND s.ended_at IS NULL AND s.expires_at > :now', {
          personId: viewer.personId,
          now: toSqlDateTime(this.now()),
        });
    const toNode = (row: SessionRow): SignedInSession => {
      const createdAt = fromSqlDateTime(row.created_at);
      return {
        id: row.id,
        device: describeDevice(row.user_agent),
        userAgent: row.user_agent,
        ip: row.ip,
        createdAt,
        lastSeenAt: row.last_seen_at ? fromSqlDateTime(row.last_seen_at) : createdAt,
        current: row.id === viewer.sessionId,
        secondFactorPending: row.mfa_pending !== null,
      };
    };
    const [pageResult, total] = await Promise.all([
      readKeysetPage<SessionRow, SignedInSession, SessionEntity>(base().select(COLUMNS), {
        sortKey: 's.created_at',
        idColumn: 's.id',
        ascending: false,
        request,
        orderName: 'created',
        toNode,
      }),
      base().select('COUNT(*)', 'n').getRawOne<{ n: number | string }>(),
    ]);
    return { ...pageResult, totalCount: Number(total?.n ?? 0) };
  }

  /**
   * Ends one of the viewer's sessions (audited as session.revoked). Another person's session, or an unknown id, is
   * NOT_FOUND, like every id outside the caller's reach; one already ended is answered as done.
   */
  async signOut(viewer: Viewer, sessionId: string): Promise<{ sessionId: string; wasCurrent: boolean }> {
    return inTransaction(this.dataSource, async (manager) => {
      const session = await manager.findOne(SessionEntity, { where: { id: sessionId, personId: viewer.personId } });
      if (!session) throw notFound('The session', 'input.id');
      const wasCurrent = session.id === viewer.sessionId;
      if (session.endedAt) return { sessionId, wasCurrent };
      await manager.update(SessionEntity, { id: session.id }, { endedAt: this.now() });
      await auditOwnSessions(manager, viewer, [
        {
          action: 'session.revoked',
          details: { sessionId, device: describeDevice(session.userAgent), ip: session.ip ?? null, wasCurrent },
        },
      ]);
      return { sessionId, wasCurrent };
    });
  }

  /** Ends every other session of the viewer; the one asking stays signed in (audited as session.signed_out_everywhere). */
  async signOutEverywhereElse(viewer: Viewer): Promise<number> {
    return inTransaction(this.dataSource, (manager) => endOtherSessions(manager, viewer, 'SIGN_OUT_EVERYWHERE', this.now()));
  }
}
