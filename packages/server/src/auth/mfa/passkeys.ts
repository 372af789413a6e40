import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type AuthenticatorTransport,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { DataSource, IsNull, LessThan, Not } from 'typeorm';
import { PersonEntity } from '../../accounts/person.entity.js';
import { newId } from '../../core/db/columns.js';
import { inTransaction } from '../../core/db/transaction.js';
import { GraphQLError } from 'graphql';
import { badInput, ErrorCode, tooManyAttempts, unauthenticated } from '../../core/errors.js';
import type { OpenedSession, OpenSession, SessionService } from '../session.service.js';
import { endOtherSessions } from '../sessions/end-sessions.js';
import { MfaFactorEntity, MfaRecoveryCodeEntity, WebAuthnChallengeEntity } from './mfa-factor.entity.js';
import { emptyFactor, invalidSecondFactor, type MfaService } from './mfa.service.js';

/** A ceremony lasts this long before its challenge is refused. */
const CHALLENGE_TTL_MS = 5 * 60 * 1000;

export interface PasskeyCeremony {
  challengeId: string;
  /** PublicKeyCredentialCreationOptionsJSON or PublicKeyCredentialRequestOptionsJSON, for @simplewebauthn/browser. */
  options: unknown;
}

/**
 * Passkeys and security keys (WebAuthn, verified by @simplewebauthn/server). Registration asks for a resident
 * (discoverable) key with user verification, so a passkey alone signs a person in ("Sign in with a passkey",
 * no email typed); it also serves as the second factor after a password. The relying party is PUBLIC_URL's host.
 */
export class PasskeyService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly sessions: SessionService,
    private readonly mfa: MfaService,
    private readonly publicUrl: () => string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  private get rp(): { id: string; origin: string } {
    const url = new URL(this.publicUrl());
    return { id: url.hostname, origin: url.origin };
  }

  async startRegistration(session: OpenSession): Promise<PasskeyCeremony> {
    if (session.mfaPending === 'MFA_REQUIRED') throw unauthenticated('MFA_REQUIRED');
    const person = await this.dataSource.getRepository(PersonEntity).findOneByOrFail({ id: session.viewer.personId });
    const existing = await this.passkeysOf(person.id);
    const options = await generateRegistrationOptions({
      rpName: 'Roster',
      rpID: this.rp.id,
      userName: person.email,
      userDisplayName: person.name ?? person.email,
      userID: new TextEncoder().encode(person.id),
      attestationType: 'none',
      excludeCredentials: existing.map((f) => ({ id: f.credentialId!, transports: transportsOf(f) })),
      authenticatorSelection: { residentKey: 'required', requireResidentKey: true, userVerification: 'required' },
    });
    return { challengeId: await this.newChallenge(options.challenge, person.id), options };
  }

  /** Verifies the new credential and stores it; the person's first factor also brings recovery codes. */
  async finishRegistration(
    session: OpenSession,
    challengeId: string,
    responseJson: string,
    label: string,
  ): Promise<{ recoveryCodes: string[] | null }> {
    if (session.mfaPending === 'MFA_REQUIRED') throw unauthenticated('MFA_REQUIRED');
    const { viewer } = session;
    const challenge = await this.takeChallenge(challengeId, viewer.personId);
    const verification = await verifyRegistrationResponse({
      response: parseJson<RegistrationResponseJSON>(responseJson),
      expectedChallenge: challenge,
      expectedOrigin: this.rp.origin,
      expectedRPID: this.rp.id,
      requireUserVerification: true,
    }).catch(() => ({ verified: false as const }));
    if (!verification.verified) throw badInput('input.response', 'The passkey could not be verified. Try again.');
    const { credential } = verification.registrationInfo;
    const name = label.trim().slice(0, 100) || 'Passkey';
    const recoveryCodes = await inTransaction(this.dataSource, async (manager) => {
      const id = newId();
      await manager.insert(MfaFactorEntity, {
        ...emptyFactor(id, viewer.personId, 'WEBAUTHN', name, this.now()),
        credentialId: credential.id,
        publicKey: Buffer.from(credential.publicKey).toString('base64url'),
        signCount: credential.counter,
        transports: credential.transports?.join(' ') || null,
        confirmedAt: this.now(),
      });
      const hasCodes = await manager.count(MfaRecoveryCodeEntity, { where: { personId: viewer.personId } });
      const codes = hasCodes > 0 ? null : await this.mfa.writeRecoveryCodes(manager, viewer.personId);
      await this.mfa.audit(manager, viewer, [{ action: 'mfa.enrolled', details: { kind: 'WEBAUTHN', factorId: id } }]);
      await endOtherSessions(manager, viewer, 'MFA_CHANGED', this.now());
      return codes;
    });
    if (session.mfaPending === 'MFA_ENROLMENT_REQUIRED' && viewer.sessionId) await this.sessions.completeMfa(viewer.sessionId);
    return { recoveryCodes };
  }

  /** A sign-in ceremony: for a half-signed-in session, that person's passkeys; without one, any discoverable passkey. */
  async startSignIn(session: OpenSession | null): Promise<PasskeyCeremony> {
    const personId = session?.mfaPending === 'MFA_REQUIRED' ? session.viewer.personId : null;
    const allow = personId ? await this.passkeysOf(personId) : [];
    const options = await generateAuthenticationOptions({
      rpID: this.rp.id,
      userVerification: personId ? 'preferred' : 'required',
      allowCredentials: allow.map((f) => ({ id: f.credentialId!, transports: transportsOf(f) })),
    });
    return { challengeId: await this.newChallenge(options.challenge, personId), options };
  }

  /**
   * Verifies a passkey assertion. With a session waiting for its second factor (same person), that session becomes
   * usable; otherwise (usernameless, user verified) a new session opens for the passkey's owner.
   */
  async finishSignIn(
    session: OpenSession | null,
    challengeId: string,
    responseJson: string,
    ip: string | null,
  ): Promise<OpenedSession | OpenSession> {
    const pending = session?.mfaPending === 'MFA_REQUIRED' ? session : null;
    const challenge = await this.takeChallenge(challengeId, pending?.viewer.personId ?? null);
    const response = parseJson<AuthenticationResponseJSON>(responseJson);
    const factor = await this.dataSource
      .getRepository(MfaFactorEntity)
      .findOne({ where: { kind: 'WEBAUTHN', credentialId: String(response.id ?? ''), confirmedAt: Not(IsNull()) } });
    const throttleKey = factor?.personId ?? String(response.id ?? '').slice(0, 100);
    const retryAfter = await this.mfa.throttle.retryAfterSeconds(throttleKey, ip ?? 'unknown');
    if (retryAfter > 0) throw tooManyAttempts(retryAfter);
    const verified =
      factor && (!pending || factor.personId === pending.viewer.personId)
        ? await verifyAuthenticationResponse({
            response,
            expectedChallenge: challenge,
            expectedOrigin: this.rp.origin,
            expectedRPID: this.rp.id,
            credential: {
              id: factor.credentialId!,
              publicKey: Buffer.from(factor.publicKey!, 'base64url'),
              counter: factor.signCount,
              transports: transportsOf(factor),
            },
            requireUserVerification: !pending,
          }).catch(() => null)
        : null;
    if (!factor || !verified?.verified) {
      await this.mfa.throttle.recordFailure(throttleKey, ip ?? 'unknown');
      if (pending)
        await inTransaction(this.dataSource, (manager) =>
          this.mfa.audit(manager, pending.viewer, [{ action: 'mfa.failed', details: { method: 'PASSKEY' } }]),
        );
      throw invalidSecondFactor();
    }
    await this.mfa.throttle.recordSuccess(throttleKey, ip ?? 'unknown');
    await this.dataSource
      .getRepository(MfaFactorEntity)
      .update({ id: factor.id }, { signCount: verified.authenticationInfo.newCounter, lastUsedAt: this.now() });
    if (pending) {
      await this.sessions.completeMfa(pending.viewer.sessionId!);
      return pending;
    }
    return this.sessions.openForPerson(factor.personId, true);
  }

  private passkeysOf(personId: string): Promise<MfaFactorEntity[]> {
    return this.dataSource.getRepository(MfaFactorEntity).find({ where: { personId, kind: 'WEBAUTHN', confirmedAt: Not(IsNull()) } });
  }

  private async newChallenge(challenge: string, personId: string | null): Promise<string> {
    const repository = this.dataSource.getRepository(WebAuthnChallengeEntity);
    await repository.delete({ expiresAt: LessThan(this.now()) });
    const id = newId();
    await repository.insert({ id, challenge, personId, expiresAt: new Date(this.now().getTime() + CHALLENGE_TTL_MS) });
    return id;
  }

  /** Spends a challenge (once, whatever the answer), which must belong to this ceremony's person. */
  private async takeChallenge(id: string, personId: string | null): Promise<string> {
    const repository = this.dataSource.getRepository(WebAuthnChallengeEntity);
    const row = await repository.findOne({ where: { id } });
    const deleted = row ? await repository.delete({ id }) : null;
    if (!row || !deleted?.affected || row.expiresAt.getTime() <= this.now().getTime() || row.personId !== personId)
      throw new GraphQLError('This passkey request has expired or was already answered. Try again.', {
        extensions: { code: ErrorCode.NOT_FOUND, field: 'input.challengeId' },
      });
    return row.challenge;
  }
}

function transportsOf(factor: MfaFactorEntity): AuthenticatorTransport[] | undefined {
  return factor.transports ? (factor.transports.split(' ') as AuthenticatorTransport[]) : undefined;
}

function parseJson<T>(text: string): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    throw badInput('input.response', 'The passkey answer is not valid JSON.');
  }
}
