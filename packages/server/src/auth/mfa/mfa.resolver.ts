import { Arg, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import { PersonEntity } from '../../accounts/person.entity.js';
import { currentRequestIp } from '../../audit/index.js';
import type { RequestContext } from '../../core/context.js';
import { forbidden, unauthenticated } from '../../core/errors.js';
import { describeViewer, nextStepOf } from '../auth.resolver.js';
import type { OpenSession } from '../session.service.js';
import { PasskeyService } from './passkeys.js';
import {
  ConfirmMfaEnrolmentPayload,
  ConfirmTotpEnrolmentInput,
  FinishPasskeyRegistrationInput,
  FinishPasskeySignInInput,
  PasskeyCeremony,
  MfaFactorKind,
  MfaStatus,
  RecoveryCodesPayload,
  RemoveMfaFactorInput,
  ResetUserMfaInput,
  ResetUserMfaPayload,
  TotpEnrolment,
  VerifySecondFactorInput,
  VerifySecondFactorPayload,
} from './mfa.types.js';

/** The cookie's live session, half signed in or not. MFA is a person's own business: never an API key. */
export async function openSessionOf(ctx: RequestContext): Promise<OpenSession> {
  if (ctx.authorization !== undefined) throw forbidden('Multi-factor authentication belongs to a signed-in person, not to an API key.');
  const session = await ctx.services.sessions.lookupOpen(ctx.sessionToken);
  if (!session) throw unauthenticated(ctx.sessionToken ? 'SESSION_INVALID' : 'NO_SESSION');
  return session;
}

export async function mfaStatusOf(ctx: RequestContext, session: OpenSession): Promise<MfaStatus> {
  const [overview, person] = await Promise.all([
    ctx.services.mfa.overview(session.viewer),
    ctx.services.dataSource.getRepository(PersonEntity).findOneByOrFail({ id: session.viewer.personId }),
  ]);
  return {
    email: person.email,
    nextStep: nextStepOf(session.mfaPending),
    factors: overview.factors.map((f) => ({
      id: f.id,
      kind: f.kind as MfaFactorKind,
      label: f.label,
      createdAt: f.createdAt,
      lastUsedAt: f.lastUsedAt,
    })),
    recoveryCodesLeft: overview.recoveryCodesLeft,
    required: overview.required,
  };
}

/** Stateless: built per request from the services (the relying party follows PUBLIC_URL). */
function passkeysOf(ctx: RequestContext): PasskeyService {
  const { dataSource, sessions, mfa, config } = ctx.services;
  return new PasskeyService(dataSource, sessions, mfa, () => config.publicUrl);
}

@Resolver()
export class MfaResolver {
  @Query(() => MfaStatus, {
    description: "The signed-in person's second factors and what the session still needs; answers half-signed-in sessions too.",
  })
  async mfaStatus(@Ctx() ctx: RequestContext): Promise<MfaStatus> {
    return mfaStatusOf(ctx, await openSessionOf(ctx));
  }

  @Mutation(() => TotpEnrolment, {
    description: 'Starts adding an authenticator app: answers a new secret and its QR code, confirmed by confirmTotpEnrolment.',
  })
  async startTotpEnrolment(@Ctx() ctx: RequestContext): Promise<TotpEnrolment> {
    const { factorId, secret, uri, qrCodeSvg } = await ctx.services.mfa.startTotp(await openSessionOf(ctx));
    return { factorId, secret, otpauthUri: uri, qrCodeSvg };
  }

  @Mutation(() => ConfirmMfaEnrolmentPayload, {
    description: 'Confirms an authenticator app with the code it shows. The first factor also answers one-time recovery codes.',
  })
  async confirmTotpEnrolment(
    @Arg('input', () => ConfirmTotpEnrolmentInput, { description: 'The enrolment and its code.' }) input: ConfirmTotpEnrolmentInput,
    @Ctx() ctx: RequestContext,
  ): Promise<ConfirmMfaEnrolmentPayload> {
    const session = await openSessionOf(ctx);
    const { recoveryCodes } = await ctx.services.mfa.confirmTotp(session, input.factorId, input.code, currentRequestIp());
    const after = (await ctx.services.sessions.lookupOpen(ctx.sessionToken)) ?? session;
    return { recoveryCodes, status: await mfaStatusOf(ctx, after) };
  }

  @Mutation(() => VerifySecondFactorPayload, {
    description:
      'Finishes signing in with a code from the authenticator app or a recovery code. Wrong codes are throttled (TOO_MANY_ATTEMPTS) and audited.',
  })
  async verifySecondFactor(
    @Arg('input', () => VerifySecondFactorInput, { description: 'The code.' }) input: VerifySecondFactorInput,
    @Ctx() ctx: RequestContext,
  ): Promise<VerifySecondFactorPayload> {
    const session = await openSessionOf(ctx);
    await ctx.services.mfa.verify(session, input.code, currentRequestIp());
    ctx.useViewer(session.viewer);
    return { viewer: await describeViewer(ctx, session.viewer) };
  }

  @Mutation(() => MfaStatus, { description: 'Removes one of your own second factors (audited).' })
  async removeMfaFactor(
    @Arg('input', () => RemoveMfaFactorInput, { description: 'The factor.' }) input: RemoveMfaFactorInput,
    @Ctx() ctx: RequestContext,
  ): Promise<MfaStatus> {
    await openSessionOf(ctx);
    const viewer = await ctx.viewer();
    await ctx.services.mfa.removeFactor(viewer, input.factorId);
    return mfaStatusOf(ctx, { viewer, mfaPending: null });
  }

  @Mutation(() => RecoveryCodesPayload, { description: 'Replaces your recovery codes with new ones, shown once (audited).' })
  async regenerateRecoveryCodes(@Ctx() ctx: RequestContext): Promise<RecoveryCodesPayload> {
    await openSessionOf(ctx);
    return { recoveryCodes: await ctx.services.mfa.regenerateRecoveryCodes(await ctx.viewer()) };
  }

  @Mutation(() => ResetUserMfaPayload, {
    description:
      "Removes every second factor and recovery code of a user and ends their sessions (a lost phone). Administrators only; an administrator may not reset an owner's.",
  })
  async resetUserMfa(
    @Arg('input', () => ResetUserMfaInput, { description: 'The user.' }) input: ResetUserMfaInput,
    @Ctx() ctx: RequestContext,
  ): Promise<ResetUserMfaPayload> {
    const admin = await ctx.admin();
    const user = await ctx.services.mfa.resetForUser(admin, input.userId);
    return { userId: user.id };
  }

  @Mutation(() => PasskeyCeremony, {
    description: 'Starts adding a passkey or security key (a discoverable credential, so it can be the whole sign-in).',
  })
  async startPasskeyRegistration(@Ctx() ctx: RequestContext): Promise<PasskeyCeremony> {
    const { challengeId, options } = await passkeysOf(ctx).startRegistration(await openSessionOf(ctx));
    return { challengeId, optionsJson: JSON.stringify(options) };
  }

  @Mutation(() => ConfirmMfaEnrolmentPayload, {
    description: "Stores a passkey from the browser's answer. The first factor also answers one-time recovery codes.",
  })
  async finishPasskeyRegistration(
    @Arg('input', () => FinishPasskeyRegistrationInput, { description: 'The ceremony and the answer.' })
    input: FinishPasskeyRegistrationInput,
    @Ctx() ctx: RequestContext,
  ): Promise<ConfirmMfaEnrolmentPayload> {
    const session = await openSessionOf(ctx);
    const { recoveryCodes } = await passkeysOf(ctx).finishRegistration(session, input.challengeId, input.responseJson, input.label ?? '');
    const after = (await ctx.services.sessions.lookupOpen(ctx.sessionToken)) ?? session;
    return { recoveryCodes, status: await mfaStatusOf(ctx, after) };
  }

  @Mutation(() => PasskeyCeremony, {
    description:
      "Starts a passkey sign-in: without a session, any passkey of Roster (no email typed); for a session waiting for its second factor, that person's.",
  })
  async startPasskeySignIn(@Ctx() ctx: RequestContext): Promise<PasskeyCeremony> {
    const session = ctx.authorization === undefined ? await ctx.services.sessions.lookupOpen(ctx.sessionToken) : null;
    const { challengeId, options } = await passkeysOf(ctx).startSignIn(session);
    return { challengeId, optionsJson: JSON.stringify(options) };
  }

  @Mutation(() => VerifySecondFactorPayload, {
    description:
      'Finishes a passkey sign-in and sets the session cookie (or completes the second factor of the current session). Failures are throttled.',
  })
  async finishPasskeySignIn(
    @Arg('input', () => FinishPasskeySignInInput, { description: 'The ceremony and the answer.' }) input: FinishPasskeySignInInput,
    @Ctx() ctx: RequestContext,
  ): Promise<VerifySecondFactorPayload> {
    const session = ctx.authorization === undefined ? await ctx.services.sessions.lookupOpen(ctx.sessionToken) : null;
    const result = await passkeysOf(ctx).finishSignIn(session, input.challengeId, input.responseJson, currentRequestIp());
    if ('token' in result) ctx.setSessionCookie(result.token);
    ctx.useViewer(result.viewer);
    return { viewer: await describeViewer(ctx, result.viewer) };
  }
}
