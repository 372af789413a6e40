import { Arg, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import { In } from 'typeorm';
import { AccountEntity } from '../accounts/account.entity.js';
import { MembershipEntity } from '../accounts/membership.entity.js';
import { PersonEntity } from '../accounts/person.entity.js';
import { isAdministrator, UserStatus } from '../accounts/index.js';
import {
  SignInInput,
  SignInNextStep,
  SignInPayload,
  SignOutPayload,
  SwitchAccountInput,
  SwitchAccountPayload,
  toAccount,
  ViewerInfo,
} from '../accounts/viewer.types.js';
import type { RequestContext } from '../core/context.js';
import { badInput, type MfaPendingReason } from '../core/errors.js';
import { currentRequestIp } from '../audit/index.js';
import type { Viewer } from '../core/viewer.js';

const MAX_EMAIL_LENGTH = 320;
const MAX_PASSWORD_LENGTH = 1024;

@Resolver()
export class AuthResolver {
  @Query(() => ViewerInfo, { description: 'The signed-in person and current MSP account. UNAUTHENTICATED when not signed in.' })
  async me(@Ctx() ctx: RequestContext): Promise<ViewerInfo> {
    return describeViewer(ctx, await ctx.viewer());
  }

  @Mutation(() => SignInPayload, {
    description:
      'Signs in with email and password and sets the session cookie. When nextStep is not NONE the session is half signed in: only the MFA operations answer it until the second factor (or the enrolment the account requires) is done.',
  })
  async signIn(
    @Arg('input', () => SignInInput, { description: 'Email and password.' }) input: SignInInput,
    @Ctx() ctx: RequestContext,
  ): Promise<SignInPayload> {
    if (input.email.trim() === '') throw badInput('input.email', 'Enter your email address.');
    if (input.email.length > MAX_EMAIL_LENGTH)
      throw badInput('input.email', `An email address has at most ${MAX_EMAIL_LENGTH} characters.`);
    if (input.password === '') throw badInput('input.password', 'Enter your password.');
    if (input.password.length > MAX_PASSWORD_LENGTH)
      throw badInput('input.password', `A password has at most ${MAX_PASSWORD_LENGTH} characters.`);
    const { token, viewer, mfaPending } = await ctx.services.sessions.signIn(input.email, input.password, currentRequestIp());
    ctx.setSessionCookie(token);
    if (!mfaPending) ctx.useViewer(viewer);
    return { viewer: await describeViewer(ctx, viewer), nextStep: nextStepOf(mfaPending) };
  }

  @Mutation(() => SignOutPayload, { description: 'Ends the current session and clears its cookie. Safe to call when already signed out.' })
  async signOut(@Ctx() ctx: RequestContext): Promise<SignOutPayload> {
    const viewer = await ctx.viewer().catch(() => null);
    if (viewer?.sessionId) await ctx.services.sessions.signOut(viewer.sessionId);
    ctx.clearSessionCookie();
    return { signedOut: true };
  }

  @Mutation(() => SwitchAccountPayload, { description: 'Makes another MSP account (of the signed-in person) the current one.' })
  async switchAccount(
    @Arg('input', () => SwitchAccountInput, { description: 'The MSP account to work in next.' }) input: SwitchAccountInput,
    @Ctx() ctx: RequestContext,
  ): Promise<SwitchAccountPayload> {
    const viewer = await ctx.services.sessions.switchAccount(await ctx.viewer(), input.accountId);
    ctx.useViewer(viewer);
    return { viewer: await describeViewer(ctx, viewer) };
  }
}

export function nextStepOf(mfaPending: MfaPendingReason | null): SignInNextStep {
  if (mfaPending === 'MFA_REQUIRED') return SignInNextStep.SECOND_FACTOR;
  if (mfaPending === 'MFA_ENROLMENT_REQUIRED') return SignInNextStep.ENROL_MFA;
  return SignInNextStep.NONE;
}

export async function describeViewer(ctx: RequestContext, viewer: Viewer): Promise<ViewerInfo> {
  const { dataSource } = ctx.services;
  const [person, memberships] = await Promise.all([
    dataSource.getRepository(PersonEntity).findOneByOrFail({ id: viewer.personId }),
    dataSource.getRepository(MembershipEntity).find({ where: { personId: viewer.personId, status: UserStatus.ACTIVE } }),
  ]);
  const accounts = await dataSource
    .getRepository(AccountEntity)
    .find({ where: { id: In(memberships.map((m) => m.accountId)) }, order: { name: 'ASC' } });
  const current = accounts.find((a) => a.id === viewer.accountId)!;
  return {
    person: { id: person.id, email: person.email, name: person.name },
    currentAccount: toAccount(current),
    role: viewer.role,
    isAdministrator: isAdministrator(viewer.role),
    accounts: accounts.map(toAccount),
    memberships: accounts.map((a) => ({
      account: toAccount(a),
      role: memberships.find((m) => m.accountId === a.id)!.role,
    })),
  };
}
