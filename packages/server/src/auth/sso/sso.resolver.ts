import { Arg, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import { AccountEntity } from '../../accounts/account.entity.js';
import { assertMayGrant } from '../../accounts/index.js';
import type { RequestContext } from '../../core/context.js';
import { Role } from '../../core/viewer.js';
import { allowedDomainsOf } from './sso-connection.js';
import { callbackUrl } from './sso-flow.js';
import type { SsoConnectionEntity } from './sso.entity.js';
import { SaveSsoConnectionInput, SsoConnection, SsoConnectionTest, SsoProvider } from './sso.types.js';

/**
 * The account's SSO connection. Administrators read and test it; only owners save or remove it: whoever chooses
 * the identity provider decides who can sign in as anyone of the account, owners included (the role rule: an
 * administrator never acts on an owner).
 */
@Resolver()
export class SsoResolver {
  @Query(() => SsoConnection, { nullable: true, description: "The current account's SSO connection; null when none. Administrators only." })
  async ssoConnection(@Ctx() ctx: RequestContext): Promise<SsoConnection | null> {
    const viewer = await ctx.admin();
    const row = await ctx.services.sso.connection(viewer.accountId);
    return row ? await toGraphQL(ctx, row) : null;
  }

  @Mutation(() => SsoConnection, { description: "Creates or replaces the current account's SSO connection. Owners only." })
  async saveSsoConnection(
    @Arg('input', () => SaveSsoConnectionInput, { description: 'The connection.' }) input: SaveSsoConnectionInput,
    @Ctx() ctx: RequestContext,
  ): Promise<SsoConnection> {
    const viewer = await ctx.admin();
    assertMayGrant(viewer.role, Role.OWNER, 'set up single sign-on (the identity provider can sign in as anyone, owners included)');
    return toGraphQL(ctx, await ctx.services.sso.save(viewer, input));
  }

  @Mutation(() => Boolean, { description: "Removes the current account's SSO connection; false when there was none. Owners only." })
  async removeSsoConnection(@Ctx() ctx: RequestContext): Promise<boolean> {
    const viewer = await ctx.admin();
    assertMayGrant(viewer.role, Role.OWNER, 'remove single sign-on');
    return ctx.services.sso.remove(viewer);
  }

  @Mutation(() => SsoConnectionTest, {
    description: "Reads the saved connection's discovery document from the issuer. Administrators only.",
  })
  async testSsoConnection(@Ctx() ctx: RequestContext): Promise<SsoConnectionTest> {
    const viewer = await ctx.admin();
    const result = await ctx.services.sso.test(viewer.accountId);
    return { ok: result.problem === null, ...result };
  }

  @Query(() => Boolean, {
    description: "Whether an invitation's account signs in with SSO (the accept page offers it). Public: the token is the credential.",
  })
  async invitationOffersSso(
    @Arg('token', () => String, { description: 'The token from the invitation link.' }) token: string,
    @Ctx() ctx: RequestContext,
  ): Promise<boolean> {
    return ctx.services.sso.availableForInvitation(token);
  }
}

async function toGraphQL(ctx: RequestContext, row: SsoConnectionEntity): Promise<SsoConnection> {
  const publicUrl = ctx.services.config.publicUrl;
  const account = await ctx.services.dataSource.getRepository(AccountEntity).findOneByOrFail({ id: row.accountId });
  return {
    provider: row.provider as SsoProvider,
    issuer: row.issuer,
    tenantId: row.tenantId,
    clientId: row.clientId,
    hasClientSecret: !!row.sealedClientSecret,
    allowedDomains: allowedDomainsOf(row),
    ssoOnly: row.ssoOnly,
    callbackUrl: callbackUrl(publicUrl),
    startUrl: `${publicUrl}/auth/sso/start?account=${encodeURIComponent(account.slug)}`,
    updatedAt: row.updatedAt,
  };
}
