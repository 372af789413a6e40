import { DataSource, IsNull, Not, type EntityManager } from 'typeorm';
import { GraphQLError } from 'graphql';
import { assertMayActOn } from '../../accounts/index.js';
import { AccountEntity } from '../../accounts/account.entity.js';
import { MembershipEntity } from '../../accounts/membership.entity.js';
import { PersonEntity } from '../../accounts/person.entity.js';
import { recordAudit } from '../../audit/index.js';
import { newId } from '../../core/db/columns.js';
import { inTransaction } from '../../core/db/transaction.js';
import { ErrorCode, badInput, notFound, tooManyAttempts, unauthenticated } from '../../core/errors.js';
import { actorOf, type Viewer } from '../../core/viewer.js';
import type { SecretBox } from '../../integrations/index.js';
import { mfaRequiredFor, type OpenSession, type SessionService } from '../session.service.js';
import { endOtherSessions, endSessionsOf } from '../sessions/end-sessions.js';
import { SignInThrottle } from '../sign-in-throttle.js';
import { MfaFactorEntity, MfaRecoveryCodeEntity } from './mfa-factor.entity.js';
import { hashRecoveryCode, looksLikeRecoveryCode, newRecoveryCode, newTotpEnrolment, RECOVERY_CODE_COUNT, verifyTotpCode } from './totp.js';

type AuditEntry = Parameters<typeof recordAudit>[3][number];

export interface MfaOverview {
  factors: MfaFactorEntity[];
  recoveryCodesLeft: number;
  /** The current account requires this person to have a second factor. */
  required: boolean;
}

/** A wrong second factor: said the same way for a wrong TOTP code and an unknown or spent recovery code. */
export function invalidSecondFactor(): GraphQLError {
  return new GraphQLError('That code is not right. Enter the current code from your authenticator app, or an unused recovery code.', {
    extensions: { code: ErrorCode.INVALID_CREDENTIALS, field: 'input.code' },
  });
}

/**
 * Second factors: TOTP enrolment, verification after the password (throttled like passwords), one-time recovery
 * codes and an administrator's reset. Every enrolment, removal, recovery-code use, reset and failed second
 * factor is audited in the session's current account (and webhooked like every audit action listed in webhook-events.ts).
 * Enrolling, removing a factor and new recovery codes end the person's other sessions (`endOtherSessions`); a reset
 * ends all of the user's.
 */
export class MfaService {
  /** Wrong codes slow down per (person, address) and per address, like passwords; replaceable so tests can give it a clock. */
  throttle = new SignInThrottle();

  constructor(
    private readonly dataSource: DataSource,
    private readonly secretBox: SecretBox,
    private readonly sessions: SessionService,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async overview(viewer: Viewer): Promise<MfaOverview> {
    const [factors, recoveryCodesLeft, account] = await Promise.all([
      this.dataSource.getRepository(MfaFactorEntity).find({
        where: { personId: viewer.personId, confirmedAt: Not(IsNull()) },
        order: { createdAt: 'ASC' },
      }),
      this.dataSource.getRepository(MfaRecoveryCodeEntity).count({ where: { personId: viewer.personId, usedAt: IsNull() } }),
      this.dataSource.getRepository(AccountEntity).findOneByOrFail({ id: viewer.accountId }),
    ]);
    return { factors, recoveryCodesLeft, required: mfaRequiredFor(account.requireMfa, viewer.role) };
  }

  /** Starts a TOTP enrolment: a new sealed secret waiting for its first code (an earlier unconfirmed one is replaced). */
  async startTotp(session: OpenSession): Promise<{ factorId: string; secret: string; uri: string; qrCodeSvg: string }> {
    mayEnrol(session);
    const person = await this.dataSource.getRepository(PersonEntity).findOneByOrFail({ id: session.viewer.personId });
    const enrolment = await newTotpEnrolment(person.email);
    const id = newId();
    await inTransaction(this.dataSource, async (manager) => {
      await manager.delete(MfaFactorEntity, { personId: person.id, kind: 'TOTP', confirmedAt: IsNull() });
      await manager.insert(MfaFactorEntity, {
        ...emptyFactor(id, person.id, 'TOTP', 'Authenticator app', this.now()),
        sealedSecret: this.secretBox.seal(enrolment.secret, id),
      });
    });
    return { factorId: id, ...enrolment };
  }

  /**
   * Confirms a TOTP enrolment with a code from the app. The person's first factor also brings recovery codes
   * (answered once, stored hashed), and a session waiting for an enrolment becomes usable.
   */
  async confirmTotp(session: OpenSession, factorId: string, code: string, ip: string | null): Promise<{ recoveryCodes: string[] | null }> {
    mayEnrol(session);
    const { viewer } = session;
    const factor = await this.dataSource
      .getRepository(MfaFactorEntity)
      .findOne({ where: { id: factorId, personId: viewer.personId, kind: 'TOTP', confirmedAt: IsNull() } });
    if (!factor?.sealedSecret) throw notFound('The enrolment', 'input.factorId');
    await this.checkThrottle(viewer.personId, ip);
    const step = await verifyTotpCode(this.secretBox.open(factor.sealedSecret, factor.id), code, null, this.now().getTime());
    if (step === null) {
      await this.throttle.recordFailure(viewer.personId, ip ?? 'unknown');
      throw invalidSecondFactor();
    }
    await this.throttle.recordSuccess(viewer.personId, ip ?? 'unknown');
    const recoveryCodes = await inTransaction(this.dataSource, async (manager) => {
      await manager.update(MfaFactorEntity, { id: factor.id }, { confirmedAt: this.now(), lastTimeStep: step, lastUsedAt: this.now() });
      const hasCodes = await manager.count(MfaRecoveryCodeEntity, { where: { personId: viewer.personId } });
      const codes = hasCodes > 0 ? null : await this.writeRecoveryCodes(manager, viewer.personId);
      await this.audit(manager, viewer, [{ action: 'mfa.enrolled', details: { kind: 'TOTP', factorId: factor.id } }]);
      await endOtherSessions(manager, viewer, 'MFA_CHANGED', this.now());
      return codes;
    });
    if (session.mfaPending === 'MFA_ENROLMENT_REQUIRED' && session.viewer.sessionId)
      await this.sessions.completeMfa(session.viewer.sessionId);
    return { recoveryCodes };
  }

  /**
   * The second factor after the password: a TOTP code from any confirmed authenticator, or an unused recovery
   * code (spent by this sign-in). Wrong answers are throttled and audited as mfa.failed.
   */
  async verify(session: OpenSession, code: string, ip: string | null): Promise<void> {
    const { viewer } = session;
    if (session.mfaPending !== 'MFA_REQUIRED' || !viewer.sessionId)
      throw badInput('input.code', 'This session does not wait for a second factor.');
    await this.checkThrottle(viewer.personId, ip);
    const used = looksLikeRecoveryCode(code) ? await this.spendRecoveryCode(viewer, code) : await this.acceptTotp(viewer, code);
    if (!used) {
      await this.throttle.recordFailure(viewer.personId, ip ?? 'unknown');
      await inTransaction(this.dataSource, (manager) =>
        this.audit(manager, viewer, [
          { action: 'mfa.failed', details: { method: looksLikeRecoveryCode(code) ? 'RECOVERY_CODE' : 'TOTP' } },
        ]),
      );
      throw invalidSecondFactor();
    }
    await this.throttle.recordSuccess(viewer.personId, ip ?? 'unknown');
    await this.sessions.completeMfa(viewer.sessionId);
  }

  /** Answers true when a confirmed authenticator accepts the code (never the same time step twice). */
  private async acceptTotp(viewer: Viewer, code: string): Promise<boolean> {
    const factors = await this.dataSource
      .getRepository(MfaFactorEntity)
      .find({ where: { personId: viewer.personId, kind: 'TOTP', confirmedAt: Not(IsNull()) } });
    for (const factor of factors) {
      const step = await verifyTotpCode(
        this.secretBox.open(factor.sealedSecret!, factor.id),
        code,
        factor.lastTimeStep,
        this.now().getTime(),
      );
      if (step === null) continue;
      // Compare-and-set, so two requests racing with the same code cannot both pass.
      const result = await this.dataSource
        .createQueryBuilder()
        .update(MfaFactorEntity)
        .set({ lastTimeStep: step, lastUsedAt: this.now() })
        .where('id = :id AND (last_time_step IS NULL OR last_time_step < :step)', { id: factor.id, step })
        .execute();
      if (result.affected) return true;
    }
    return false;
  }

  private async spendRecoveryCode(viewer: Viewer, code: string): Promise<boolean> {
    return inTransaction(this.dataSource, async (manager) => {
      const result = await manager
        .createQueryBuilder()
        .update(MfaRecoveryCodeEntity)
        .set({ usedAt: this.now() })
        .where('person_id = :personId AND code_hash = :hash AND used_at IS NULL', {
          personId: viewer.personId,
          hash: hashRecoveryCode(code),
        })
        .execute();
      if (!result.affected) return false;
      const remaining = await manager.count(MfaRecoveryCodeEntity, { where: { personId: viewer.personId, usedAt: IsNull() } });
      await this.audit(manager, viewer, [{ action: 'mfa.recovery_code_used', details: { remaining } }]);
      return true;
    });
  }

  /** New recovery codes replace all earlier ones (used or not); answered once. */
  async regenerateRecoveryCodes(viewer: Viewer): Promise<string[]> {
    return inTransaction(this.dataSource, async (manager) => {
      const factors = await manager.count(MfaFactorEntity, { where: { personId: viewer.personId, confirmedAt: Not(IsNull()) } });
      if (factors === 0) throw badInput('input', 'Set up an authenticator app or a passkey first: recovery codes stand in for one.');
      const codes = await this.writeRecoveryCodes(manager, viewer.personId);
      await this.audit(manager, viewer, [{ action: 'mfa.recovery_codes_regenerated' }]);
      await endOtherSessions(manager, viewer, 'MFA_CHANGED', this.now());
      return codes;
    });
  }

  /** Removes one of the viewer's own factors; the last one stays while the account requires MFA of them. */
  async removeFactor(viewer: Viewer, factorId: string): Promise<void> {
    await inTransaction(this.dataSource, async (manager) => {
      const factor = await manager.findOne(MfaFactorEntity, { where: { id: factorId, personId: viewer.personId } });
      if (!factor) throw notFound('The second factor', 'input.factorId');
      const confirmed = await manager.count(MfaFactorEntity, { where: { personId: viewer.personId, confirmedAt: Not(IsNull()) } });
      const account = await manager.findOneByOrFail(AccountEntity, { id: viewer.accountId });
      if (factor.confirmedAt && confirmed === 1 && mfaRequiredFor(account.requireMfa, viewer.role))
        throw badInput(
          'input.factorId',
          'Your MSP account requires multi-factor authentication: add another factor before removing this one.',
        );
      await manager.delete(MfaFactorEntity, { id: factor.id });
      if (factor.confirmedAt && confirmed === 1) await manager.delete(MfaRecoveryCodeEntity, { personId: viewer.personId });
      if (factor.confirmedAt) {
        await this.audit(manager, viewer, [{ action: 'mfa.removed', details: { kind: factor.kind, factorId: factor.id } }]);
        await endOtherSessions(manager, viewer, 'MFA_CHANGED', this.now());
      }
    });
  }

  /**
   * An administrator removes every second factor and recovery code of a user of the current account (lost phone),
   * under the role rule (an administrator may not reset an owner's); the user's sessions end.
   */
  async resetForUser(admin: Viewer, userId: string): Promise<MembershipEntity> {
    return inTransaction(this.dataSource, async (manager) => {
      const user = await manager.findOne(MembershipEntity, { where: { id: userId, accountId: admin.accountId } });
      if (!user) throw notFound('The user', 'input.userId');
      assertMayActOn(admin.role, user.role, "reset this user's multi-factor authentication", 'input.userId');
      if (!user.personId) throw badInput('input.userId', 'This user has not signed up yet, so they have no second factor.');
      const removed = await manager.delete(MfaFactorEntity, { personId: user.personId });
      await manager.delete(MfaRecoveryCodeEntity, { personId: user.personId });
      const sessionsEnded = await endSessionsOf(manager, user.personId, null, this.now());
      await recordAudit(manager, admin.accountId, actorOf(admin), [
        {
          action: 'mfa.reset',
          targetId: user.id,
          targetEmail: user.email,
          details: { factorsRemoved: removed.affected ?? 0, sessionsEnded },
        },
      ]);
      return user;
    });
  }

  private async checkThrottle(personId: string, ip: string | null): Promise<void> {
    const retryAfter = await this.throttle.retryAfterSeconds(personId, ip ?? 'unknown');
    if (retryAfter > 0) throw tooManyAttempts(retryAfter);
  }

  /** Replaces the person's recovery codes (inside the caller's transaction) and answers the new ones. */
  async writeRecoveryCodes(manager: EntityManager, personId: string): Promise<string[]> {
    await manager.delete(MfaRecoveryCodeEntity, { personId });
    const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
    await manager.insert(
      MfaRecoveryCodeEntity,
      codes.map((code) => ({ id: newId(), personId, codeHash: hashRecoveryCode(code), usedAt: null, createdAt: this.now() })),
    );
    return codes;
  }

  /** Records entries about the viewer's own MFA in their current account, naming them as the target. */
  async audit(manager: EntityManager, viewer: Viewer, entries: AuditEntry[]): Promise<void> {
    const membership = await manager.findOne(MembershipEntity, { where: { id: viewer.membershipId }, select: { id: true, email: true } });
    await recordAudit(
      manager,
      viewer.accountId,
      { type: 'PERSON', id: viewer.personId },
      entries.map((e) => ({ targetId: viewer.membershipId, targetEmail: membership?.email ?? null, ...e })),
    );
  }
}

/** A session waiting for its second factor cannot enrol a new one (that would walk around the factor it has). */
function mayEnrol(session: OpenSession): void {
  if (session.mfaPending === 'MFA_REQUIRED') throw unauthenticated('MFA_REQUIRED');
}

export function emptyFactor(id: string, personId: string, kind: MfaFactorEntity['kind'], label: string, now: Date): MfaFactorEntity {
  return {
    id,
    personId,
    kind,
    label,
    sealedSecret: null,
    lastTimeStep: null,
    credentialId: null,
    publicKey: null,
    signCount: 0,
    transports: null,
    confirmedAt: null,
    lastUsedAt: null,
    createdAt: now,
  };
}
