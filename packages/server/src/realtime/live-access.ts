import type { DataSource } from 'typeorm';
import { isAdministrator, type Role, UserStatus } from '../accounts/index.js';
import type { RequestContext, Services } from '../core/context.js';
import type { UnauthenticatedReason } from '../core/errors.js';
import type { Viewer } from '../core/viewer.js';
import type { AccountEvent, EventBus } from '../core/events.js';

/** Close code for a socket whose session or API key stopped working (graphql-ws clients treat 4xxx as fatal). */
export const SESSION_ENDED_CLOSE_CODE = 4401;
/** Close code for a socket whose person may no longer see the account a subscription of it follows. */
export const ACCESS_ENDED_CLOSE_CODE = 4403;

/**
 * An event as subscribers receive it, with who they are in the subscription's account right now; `source` is
 * the bus's object (the same for every subscriber of this process), `resync` says events were lost before it.
 */
export type LiveEvent = AccountEvent & { resync: boolean; source: AccountEvent; viewer: Viewer };

/** Events after which a membership may have another role or status: cached access of their account is stale. */
export const MEMBERSHIP_EVENTS = new Set<AccountEvent['type']>([
  'user.changed',
  'user.suspended',
  'user.restored',
  'user.uninvited',
  'user.accepted',
  'user.invited',
  'user.reinvited',
]);
/** Cached access is also read again after this long, in case an event was lost (another instance, Redis down). */
const ACCESS_MAX_AGE_MS = 30_000;

type Membership = { id: string; role: Role; status: UserStatus } | null;
export type Verdict = { viewer: Viewer } | { viewer: null; code: number; reason: string };

/**
 * Who may see an account's live events: the one rule every subscription applies, on every event it
 * delivers. The subscriber's credential (session or API key) must still work, and its person must be an
 * active administrator of the subscription's own account, the one it was opened in, whatever the session's
 * current account has become since. Memberships are cached per account and dropped by the events that change
 * them, so an event costs one credential lookup per session, not a membership query per socket.
 */
export class LiveAccess {
  private readonly memberships = new Map<string, { readAt: number; byPerson: Map<string, Promise<Membership>> }>();
  /** One credential lookup per (event, credential), shared by every socket of one session or key. */
  private readonly credentialChecks = new WeakMap<object, Map<string, Promise<CredentialCheck>>>();

  constructor(
    private readonly services: Pick<Services, 'dataSource' | 'sessions' | 'apiKeys'>,
    events: EventBus,
    private readonly now: () => number = Date.now,
  ) {
    events.subscribe((event) => {
      if (MEMBERSHIP_EVENTS.has(event.type)) this.memberships.delete(event.accountId);
    });
  }

  /** What `subscriber` may be told of `event` of their subscription's account: their current viewer, or why not. */
  async check(context: RequestContext, subscriber: Viewer, event: object): Promise<Verdict> {
    const credential = await this.credential(context, event);
    if (!credential.ok) return { viewer: null, code: SESSION_ENDED_CLOSE_CODE, reason: socketClosedBecause(credential.reason) };
    const membership = await this.membership(subscriber.accountId, subscriber.personId);
    if (!membership || membership.status !== UserStatus.ACTIVE || !isAdministrator(membership.role)) {
      return { viewer: null, code: ACCESS_ENDED_CLOSE_CODE, reason: 'No longer an administrator of this account' };
    }
    return { viewer: { ...subscriber, membershipId: membership.id, role: membership.role } };
  }

  private credential(context: RequestContext, event: object): Promise<CredentialCheck> {
    const key = context.authorization !== undefined ? `key:${context.authorization}` : `session:${context.sessionToken ?? ''}`;
    let checks = this.credentialChecks.get(event);
    if (!checks) this.credentialChecks.set(event, (checks = new Map()));
    let pending = checks.get(key);
    if (!pending) {
      const lookup =
        context.authorization !== undefined
          ? this.services.apiKeys.authenticate(context.authorization)
          : this.services.sessions.lookup(context.sessionToken);
      pending = lookup.then((result) => (result.viewer ? { ok: true as const } : { ok: false as const, reason: result.reason }));
      checks.set(key, pending);
    }
    return pending;
  }

  private membership(accountId: string, personId: string): Promise<Membership> {
    let cached = this.memberships.get(accountId);
    if (!cached || this.now() - cached.readAt > ACCESS_MAX_AGE_MS)
      this.memberships.set(accountId, (cached = { readAt: this.now(), byPerson: new Map() }));
    let pending = cached.byPerson.get(personId);
    if (!pending) {
      pending = readMembership(this.services.dataSource, accountId, personId);
      cached.byPerson.set(personId, pending);
      // A failed read is not remembered.
      pending.catch(() => cached.byPerson.delete(personId));
    }
    return pending;
  }
}

type CredentialCheck = { ok: true } | { ok: false; reason: UnauthenticatedReason };

async function readMembership(dataSource: DataSource, accountId: string, personId: string): Promise<Membership> {
  const rows: Array<{ id: string; role: Role; status: UserStatus }> = await dataSource.query(
    'SELECT id, role, status FROM memberships WHERE account_id = ? AND person_id = ?',
    [accountId, personId],
  );
  return rows[0] ?? null;
}

/** The close reason a live dashboard or API client sees when its credentials stop working. */
export function socketClosedBecause(reason: UnauthenticatedReason): string {
  if (reason === 'SESSION_EXPIRED') return 'Session expired';
  if (reason.startsWith('API_KEY')) return reason === 'API_KEY_EXPIRED' ? 'API key expired' : 'API key no longer valid';
  return 'Signed out';
}
