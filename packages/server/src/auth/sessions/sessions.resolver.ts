import { Arg, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import { currentRequestIp } from '../../audit/index.js';
import type { RequestContext } from '../../core/context.js';
import { forbidden } from '../../core/errors.js';
import { PageArgs } from '../../core/lists/connection.js';
import type { Viewer } from '../../core/viewer.js';
import { changePassword } from './change-password.js';
import { MySessions } from './my-sessions.js';
import {
  ChangePasswordInput,
  ChangePasswordPayload,
  SignedInSessionConnection,
  SignOutEverywherePayload,
  SignOutSessionInput,
  SignOutSessionPayload,
} from './session.types.js';

/** The signed-in person's own session (never an API key: sessions and passwords are a person's own business). */
async function sessionViewer(ctx: RequestContext): Promise<Viewer & { sessionId: string }> {
  const viewer = await ctx.viewer();
  if (!viewer.sessionId) throw forbidden('Sessions belong to a signed-in person, not to an API key.');
  return viewer as Viewer & { sessionId: string };
}

function mySessions(ctx: RequestContext): MySessions {
  return new MySessions(ctx.services.dataSource, () => ctx.services.sessions.now());
}

@Resolver()
export class SessionsResolver {
  @Query(() => SignedInSessionConnection, {
    description:
      'Your signed-in sessions (every browser still signed in as you, in any MSP account), newest sign-in first; `current` marks this one.',
  })
  async mySessions(
    @Ctx() ctx: RequestContext,
    @Arg('page', () => PageArgs, { nullable: true, description: 'Which page; 25 sessions by default, at most 100.' }) page?: PageArgs,
  ) {
    return mySessions(ctx).list(await sessionViewer(ctx), page);
  }

  @Mutation(() => SignOutSessionPayload, {
    description:
      "Signs one of your sessions out: its cookie stops working and its live updates stop. Another person's session is NOT_FOUND. Audited.",
  })
  async signOutSession(
    @Arg('input', () => SignOutSessionInput, { description: 'The session.' }) input: SignOutSessionInput,
    @Ctx() ctx: RequestContext,
  ): Promise<SignOutSessionPayload> {
    const result = await mySessions(ctx).signOut(await sessionViewer(ctx), input.id);
    if (result.wasCurrent) ctx.clearSessionCookie();
    return result;
  }

  @Mutation(() => SignOutEverywherePayload, {
    description: 'Signs out every other session of yours (other browsers and devices); this one stays signed in. Audited.',
  })
  async signOutEverywhere(@Ctx() ctx: RequestContext): Promise<SignOutEverywherePayload> {
    return { sessionsEnded: await mySessions(ctx).signOutEverywhereElse(await sessionViewer(ctx)) };
  }

  @Mutation(() => ChangePasswordPayload, {
    description:
      'Changes your password, given the current one (wrong ones are throttled like sign-in), and signs out your other sessions. Audited.',
  })
  async changePassword(
    @Arg('input', () => ChangePasswordInput, { description: 'Current and new password.' }) input: ChangePasswordInput,
    @Ctx() ctx: RequestContext,
  ): Promise<ChangePasswordPayload> {
    const { dataSource, sessions } = ctx.services;
    return changePassword(dataSource, sessions.throttle, await sessionViewer(ctx), { ...input, ip: currentRequestIp() }, sessions.now());
  }
}
