import type { DataSource } from 'typeorm';
import { isAdministrator, type Role, UserStatus } from '../accounts/index.js';
import type { RequestContext, Services } from '../core/context.js';
import type { UnauthenticatedReason } from '../core/errors.js';
import type { Viewer } from '../core/viewer.js';
import { accountEvents, type StreamedEvent } from './event-stream.js';
import type { AccountEvent, EventBus } from '../core/events.js';

/** Close code for a socket whose session or API key stopped working (graphql-ws clients treat 4xxx as fatal). */
export const SESSION_ENDED_CLOSE_CODE = 4401;
/** Close code for a socket whose person may no longer see the account a subscription of it follows. */
export const ACCESS_ENDED_CLOSE_CODE = 4403;

/** An event as one subscriber receives it, with who they are in the subscription's account right now. */
export type LiveEvent = StreamedEvent & { viewer: Viewer };

/** Events after which a membership may have another role or status: cached access of their account is stale. */
const MEMBERSHIP_EVENTS = new Set<AccountEvent['type']>([
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
type Verdict = { viewer: Viewer } | { viewer: null; code: number; reason: string };

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

const accessByServices = new WeakMap<object, LiveAccess>();

function liveAccessOf(services: Services): LiveAccess {
  let access = accessByServices.get(services);
  if (!access) accessByServices.set(services, (access = new LiveAccess(services, services.events)));
  return access;
}

export interface LiveEventsOptions {
  /** Events kept for a slow consumer before the oldest are dropped (and the consumer told to resync). */
  maxQueue?: number;
  /** Delivered first, e.g. so a progress subscription starts with the current state. */
  initial?: (subscriber: Viewer) => AccountEvent;
}

/**
 * The events of the subscriber's current account that pass `accept`, for a subscription's `subscribe`.
 * Only administrators may subscribe. Before each event the access rule is checked again (`LiveAccess`); the
 * event then carries the subscriber's viewer as of now, which is also the context's viewer while it resolves.
 * When access ends the socket is closed (4403, or 4401 when the credential stopped working) and the stream
 * ends; an event that changes the subscriber's own membership is checked even when it is not delivered.
 */
export async function liveEvents(
  context: RequestContext,
  accept: (event: AccountEvent) => boolean,
  options: LiveEventsOptions = {},
): Promise<AsyncIterableIterator<LiveEvent>> {
  const subscriber = await context.admin();
  const access = liveAccessOf(context.services);
  const concernsSubscriber = (event: AccountEvent) => MEMBERSHIP_EVENTS.has(event.type) && event.userIds.includes(subscriber.membershipId);
  const stream = accountEvents(
    context.services.events,
    subscriber.accountId,
    (event) => accept(event) || concernsSubscriber(event),
    options.maxQueue,
    options.initial?.(subscriber),
  );
  let resync = false;
  const events: AsyncIterableIterator<LiveEvent> = {
    [Symbol.asyncIterator]: () => events,
    async next(): Promise<IteratorResult<LiveEvent>> {
      for (;;) {
        const result = await stream.next();
        if (result.done) return result;
        const event = result.value;
        const verdict = await access.check(context, subscriber, event.source);
        if (!verdict.viewer) {
          context.onLiveAccessEnded?.(verdict.code, verdict.reason);
          await stream.return!();
          return { value: undefined, done: true };
        }
        resync ||= event.resync;
        if (!accept(event.source)) continue;
        context.useViewer(verdict.viewer);
        context.resetLoaders();
        const value = { ...event, resync, viewer: verdict.viewer };
        resync = false;
        return { value, done: false };
      }
    },
    return: () => stream.return!() as Promise<IteratorResult<LiveEvent>>,
    throw: (error?: unknown) => stream.throw!(error) as Promise<IteratorResult<LiveEvent>>,
  };
  return events;
}
