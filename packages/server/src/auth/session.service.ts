import { DataSource } from 'typeorm';
import { MembershipEntity } from '../accounts/membership.entity.js';
import { PersonEntity } from '../accounts/person.entity.js';
import { UserStatus } from '../accounts/index.js';
import { forbidden, invalidCredentials, tooManyAttempts, type MfaPendingReason, type UnauthenticatedReason } from '../core/errors.js';
import { AccountEntity } from '../accounts/account.entity.js';
import { isAdministrator } from '../core/viewer.js';
import { MfaFactorEntity } from './mfa/mfa-factor.entity.js';
import { fromSqlDateTime, newId, normalizeEmail } from '../core/db/columns.js';
import { verifyAgainstDecoy, verifyPassword } from './password.js';
import { SessionEntity } from './session.entity.js';
import { SignInThrottle } from './sign-in-throttle.js';
import { hashToken, newSecretToken } from './tokens.js';
import { ssoRequired } from '../core/errors.js';
import { ssoOnlyAccountIds, switchRefusal } from './sso/sso-only.js';
import type { Viewer } from '../core/viewer.js';
import { currentRequestIp, currentRequestUserAgent } from '../audit/index.js';

/** Last activity is written at most this often per user, so reads do not each cost a write. */
const ACTIVITY_RESOLUTION_MS = 5 * 60 * 1000;
/** A session's last use (the Sessions list's "last seen") is written at most this often per session. */
export const LAST_SEEN_RESOLUTION_MS = 60 * 1000;

export type SessionLookup = { viewer: Viewer; renewedToken: string | null } | { viewer: null; reason: UnauthenticatedReason };

/** A session as the MFA operations see it: live (not ended, not expired), whether or not its second factor is still due. */
export interface OpenSession {
  viewer: Viewer;
  mfaPending: MfaPendingReason | null;
}

/** What opening a session answers: the token for the cookie, who it is for, and whether it still waits for MFA. */
export interface OpenedSession {
  token: string;
  viewer: Viewer;
  mfaPending: MfaPendingReason | null;
}

export class SessionService {
  /** Slows password guessing per (email, address) and per address; replaceable, so tests can give it a clock. */
  throttle = new SignInThrottle();

  constructor(
    private readonly dataSource: DataSource,
    private readonly ttlHours: number,
    /** Replaceable, so tests can give sessions (expiry, last seen) a clock they move. */
    public now: () => Date = () => new Date(),
  ) {}

  get ttlSeconds(): number {
    return this.ttlHours * 3600;
  }

  /** Checks the password and opens a session in the active account the person last worked in. `ip` is the caller's address. */
  async signIn(rawEmail: string, password: string, ip: string | null): Promise<OpenedSession> {
    const email = normalizeEmail(rawEmail);
    const address = ip ?? 'unknown';
    const retryAfter = await this.throttle.retryAfterSeconds(email, address);
    if (retryAfter > 0) throw tooManyAttempts(retryAfter);

    const person = await this.dataSource.getRepository(PersonEntity).findOne({ where: { email } });
    const ok = person?.passwordHash ? await verifyPassword(password, person.passwordHash) : await verifyAgainstDecoy(password);
    if (!person || !ok) {
      await this.throttle.recordFailure(email, address);
      throw invalidCredentials();
    }
    await this.throttle.recordSuccess(email, address);
    return this.openForPerson(person.id, false);
  }

  /**
   * Opens a session in the active account the person last worked in. `secondFactorDone`: the person proved a
   * second factor already (a passkey is the whole sign-in), so the session is usable at once.
   */
  async openForPerson(personId: string, secondFactorDone: boolean): Promise<OpenedSession> {
    const allMemberships = await this.dataSource.getRepository(MembershipEntity).find({ where: { personId }, order: { createdAt: 'ASC' } });
    // Password and passkey sign-ins (the callers) never open an account that is SSO only for this person.
    const ssoOnly = await ssoOnlyAccountIds(this.dataSource, personId);
    const memberships = allMemberships.filter((m) => !ssoOnly.has(m.accountId));
    if (!memberships.some((m) => m.status === UserStatus.ACTIVE) && allMemberships.some((m) => m.status === UserStatus.ACTIVE))
      throw ssoRequired();
    // The account the person last worked in (switching counts as activity), so the next sign-in lands there;
    // the first one joined when none has any activity yet.
    const active = memberships
      .filter((m) => m.status === UserStatus.ACTIVE)
      .reduce<MembershipEntity | undefined>(
        (best, m) => (!best || (m.lastActiveAt?.getTime() ?? -1) > (best.lastActiveAt?.getTime() ?? -1) ? m : best),
        undefined,
      );
    if (!active) {
      throw forbidden(
        memberships.some((m) => m.status === UserStatus.SUSPENDED)
          ? 'Your access has been suspended. Ask an administrator of your MSP account to restore it.'
          : 'You are not an active member of any MSP account yet. Accept your invitation first.',
      );
    }

    return this.openSession(personId, active, secondFactorDone);
  }

  /**
   * Opens a session for a person in one of their active memberships (after sign-in or accepting an invitation).
   * A person with a second factor gets a half-signed-in session (MFA_REQUIRED) until verifySecondFactor; one whose
   * account requires MFA and who has none gets MFA_ENROLMENT_REQUIRED until an enrolment is confirmed.
   * The device (User-Agent) and address come from the request being served (every way of signing in is one).
   */
  async openSession(
    personId: string,
    membership: Pick<MembershipEntity, 'id' | 'accountId' | 'role' | 'lastActiveAt'>,
    secondFactorDone = false,
  ): Promise<OpenedSession> {
    const mfaPending = secondFactorDone ? null : await this.mfaDue(personId, membership);
    const token = newSecretToken();
    const session: SessionEntity = {
      id: newId(),
      tokenHash: hashToken(token),
      personId,
      currentAccountId: membership.accountId,
      createdAt: this.now(),
      expiresAt: new Date(this.now().getTime() + this.ttlSeconds * 1000),
      endedAt: null,
      mfaPending,
      userAgent: currentRequestUserAgent(),
      ip: currentRequestIp(),
      lastSeenAt: this.now(),
    };
    await this.dataSource.getRepository(SessionEntity).insert(session);
    if (!mfaPending) await this.touchActivity(membership.id, membership.lastActiveAt);
    return {
      token,
      viewer: { sessionId: session.id, personId, accountId: membership.accountId, membershipId: membership.id, role: membership.role },
      mfaPending,
    };
  }

  /** What a new session in this membership still needs: the second factor, an enrolment the account requires, or nothing. */
  async mfaDue(personId: string, membership: Pick<MembershipEntity, 'accountId' | 'role'>): Promise<MfaPendingReason | null> {
    const factors = await this.dataSource
      .getRepository(MfaFactorEntity)
      .createQueryBuilder('f')
      .where('f.person_id = :personId AND f.confirmed_at IS NOT NULL', { personId })
      .getCount();
    if (factors > 0) return 'MFA_REQUIRED';
    const account = await this.dataSource
      .getRepository(AccountEntity)
      .findOne({ where: { id: membership.accountId }, select: { id: true, requireMfa: true } });
    return mfaRequiredFor(account?.requireMfa, membership.role) ? 'MFA_ENROLMENT_REQUIRED' : null;
  }

  /** Ends the half-signed-in state once the second factor was verified or an enrolment confirmed. */
  async completeMfa(sessionId: string): Promise<void> {
    await this.dataSource.getRepository(SessionEntity).update({ id: sessionId }, { mfaPending: null });
  }

  /** The live session of a cookie, half signed in or not (for the MFA operations only); null when there is none. */
  async lookupOpen(token: string | undefined): Promise<OpenSession | null> {
    if (!token || token.length > 200) return null;
    const read = await this.readSession(token);
    if (!read || 'reason' in read) return null;
    return { viewer: read.viewer, mfaPending: read.mfaPending };
  }

  async signOut(sessionId: string): Promise<void> {
    await this.dataSource.getRepository(SessionEntity).update({ id: sessionId }, { endedAt: this.now() });
  }

  /**
   * Resolves a cookie's token to a viewer. Sessions slide: past half their life they are renewed, so an
   * admin working all day is not thrown out, while an idle browser expires.
   */
  async lookup(token: string | undefined): Promise<SessionLookup> {
    if (!token) return { viewer: null, reason: 'NO_SESSION' };
    if (token.length > 200) return { viewer: null, reason: 'SESSION_INVALID' };
    const read = await this.readSession(token);
    if (!read) return { viewer: null, reason: 'SESSION_INVALID' };
    if ('reason' in read) return { viewer: null, reason: read.reason };
    // Half signed in: nothing but the MFA operations (which read the session through lookupOpen) answers it.
    if (read.mfaPending) return { viewer: null, reason: read.mfaPending };

    const now = this.now();
    let renewedToken: string | null = null;
    const changes: Partial<Pick<SessionEntity, 'expiresAt' | 'lastSeenAt'>> = {};
    if (read.expiresAt.getTime() - now.getTime() < (this.ttlSeconds * 1000) / 2) {
      changes.expiresAt = new Date(now.getTime() + this.ttlSeconds * 1000);
      renewedToken = token;
    }
    // Last seen to the minute: one write per session and minute at most, not one per request.
    if (changes.expiresAt || !read.lastSeenAt || now.getTime() - read.lastSeenAt.getTime() >= LAST_SEEN_RESOLUTION_MS)
      changes.lastSeenAt = now;
    if (changes.lastSeenAt) await this.dataSource.getRepository(SessionEntity).update({ id: read.viewer.sessionId }, changes);
    await this.touchActivity(read.viewer.membershipId!, read.lastActiveAt);
    return { viewer: read.viewer, renewedToken };
  }

  /**
   * The session of a token with its person's membership in the session's account: null when there is no such session,
   * a reason when it ended, expired or the membership is not active. Runs on every request: plain SQL, no query building.
   */
  private async readSession(token: string): Promise<
    | {
        viewer: Viewer & { sessionId: string };
        expiresAt: Date;
        lastActiveAt: Date | null;
        lastSeenAt: Date | null;
        mfaPending: MfaPendingReason | null;
      }
    | { reason: 'SESSION_INVALID' | 'SESSION_EXPIRED' }
    | null
  > {
    const rows: Array<Record<string, unknown>> = await this.dataSource.query(
      'SELECT s.id AS session_id, s.person_id AS person_id, s.current_account_id AS account_id, s.expires_at AS expires_at, s.ended_at AS ended_at, ' +
        's.mfa_pending AS mfa_pending, s.last_seen_at AS last_seen_at, m.id AS membership_id, m.role AS role, m.status AS status, m.last_active_at AS last_active_at ' +
        'FROM sessions s LEFT JOIN memberships m ON m.person_id = s.person_id AND m.account_id = s.current_account_id WHERE s.token_hash = ?',
      [hashToken(token)],
    );
    const row = rows[0];
    if (!row) return null;
    if (row.ended_at) return { reason: 'SESSION_INVALID' };
    const expiresAt = fromSqlDateTime(row.expires_at as string | Date);
    if (expiresAt.getTime() <= this.now().getTime()) return { reason: 'SESSION_EXPIRED' };
    if (!row.membership_id || row.status !== UserStatus.ACTIVE) return { reason: 'SESSION_INVALID' };
    return {
      viewer: {
        sessionId: row.session_id as string,
        personId: row.person_id as string,
        accountId: row.account_id as string,
        membershipId: row.membership_id as string,
        role: row.role as Viewer['role'],
      },
      expiresAt,
      lastActiveAt: row.last_active_at ? fromSqlDateTime(row.last_active_at as string | Date) : null,
      lastSeenAt: row.last_seen_at ? fromSqlDateTime(row.last_seen_at as string | Date) : null,
      mfaPending: (row.mfa_pending as MfaPendingReason | null) ?? null,
    };
  }

  /** Moves the session to another account the person is an active member of. */
  async switchAccount(viewer: Viewer, accountId: string): Promise<Viewer> {
    const membership = await this.dataSource
      .getRepository(MembershipEntity)
      .findOne({ where: { personId: viewer.personId, accountId, status: UserStatus.ACTIVE } });
    if (!membership) throw forbidden('You are not an active member of that MSP account.');
    if (!viewer.sessionId) throw forbidden('Only a signed-in person can switch accounts; an API key belongs to one account.');
    const refusal = await switchRefusal(this.dataSource, viewer.sessionId, viewer.personId, accountId);
    if (refusal) throw forbidden(refusal);
    // An account that requires MFA of this person, who has none yet: the session waits for an enrolment there too.
    const mfaPending = (await this.mfaDue(viewer.personId, membership)) === 'MFA_ENROLMENT_REQUIRED' ? 'MFA_ENROLMENT_REQUIRED' : null;
    await this.dataSource.getRepository(SessionEntity).update({ id: viewer.sessionId }, { currentAccountId: accountId, mfaPending });
    // Switching is activity in that account, written at once (not throttled): the next sign-in lands here.
    await this.dataSource.getRepository(MembershipEntity).update({ id: membership.id }, { lastActiveAt: this.now() });
    return { ...viewer, accountId, membershipId: membership.id, role: membership.role };
  }

  private async touchActivity(membershipId: string, lastActiveAt: Date | null): Promise<void> {
    const now = this.now();
    if (lastActiveAt && now.getTime() - lastActiveAt.getTime() < ACTIVITY_RESOLUTION_MS) return;
    await this.dataSource.getRepository(MembershipEntity).update({ id: membershipId }, { lastActiveAt: now });
  }
}

/** The account setting's rule: who must have a second factor. */
export function mfaRequiredFor(requirement: AccountEntity['requireMfa'] | undefined, role: Viewer['role']): boolean {
  return requirement === 'EVERYONE' || (requirement === 'ADMINISTRATORS' && isAdministrator(role));
}
