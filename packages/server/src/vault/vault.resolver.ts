import { Arg, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import type { RequestContext } from '../core/context.js';
import { PageArgs } from '../core/lists/connection.js';
import {
  CreateVaultItemInput,
  RevealedVaultItem,
  RevealVaultItemInput,
  VaultAccess,
  VaultAccessInput,
  VaultItem,
  VaultItemConnection,
  VaultItemPayload,
} from './vault.types.js';

@Resolver(() => VaultItem)
export class VaultResolver {
  @Query(() => VaultItemConnection, {
    description:
      "One company's vault items, by name. Never carries a secret value (see `revealVaultItem`). For administrators and members of groups granted access; FORBIDDEN otherwise.",
  })
  async vaultItems(
    @Ctx() ctx: RequestContext,
    @Arg('companyId', () => ID, { description: 'The company whose vault to list.' }) companyId: string,
    @Arg('page', () => PageArgs, { nullable: true, description: 'Which page; 25 by default, at most 100.' }) page?: PageArgs,
    @Arg('search', () => String, { nullable: true, description: 'Part of the name, user name or URL, any letter case.' }) search?: string,
    @Arg('includeArchived', () => Boolean, { defaultValue: false, description: 'Also list items archived because they are gone upstream.' })
    includeArchived?: boolean,
  ) {
    return ctx.services.vault.list(await ctx.viewer(), companyId, page, search, includeArchived ?? false);
  }

  @Query(() => VaultAccess, { description: "Who may reveal a company's vault, and whether the person asking may." })
  async vaultAccess(
    @Ctx() ctx: RequestContext,
    @Arg('companyId', () => ID, { description: 'The company.' }) companyId: string,
  ): Promise<VaultAccess> {
    return ctx.services.vault.access(await ctx.viewer(), companyId);
  }

  @Mutation(() => RevealedVaultItem, {
    description:
      "Reveals one vault item's password, notes and current TOTP code. Audited (vault.item_revealed) and rate-limited (RATE_LIMITED with retryAfter); FORBIDDEN without access to the company's vault.",
  })
  async revealVaultItem(
    @Arg('input', () => RevealVaultItemInput, { description: 'The item to reveal.' }) input: RevealVaultItemInput,
    @Ctx() ctx: RequestContext,
  ): Promise<RevealedVaultItem> {
    return ctx.services.vault.reveal(await ctx.viewer(), input.id);
  }

  @Mutation(() => VaultItemPayload, { description: "Adds a credential to a company's vault by hand (administrators)." })
  async createVaultItem(
    @Arg('input', () => CreateVaultItemInput, { description: 'The credential.' }) input: CreateVaultItemInput,
    @Ctx() ctx: RequestContext,
  ): Promise<VaultItemPayload> {
    return { item: await ctx.services.vault.create(await ctx.admin(), input) };
  }

  @Mutation(() => VaultAccess, { description: "Lets a group's members list and reveal a company's vault (administrators)." })
  async grantVaultAccess(
    @Arg('input', () => VaultAccessInput, { description: 'The company and the group.' }) input: VaultAccessInput,
    @Ctx() ctx: RequestContext,
  ): Promise<VaultAccess> {
    return ctx.services.vault.grant(await ctx.admin(), input.companyId, input.groupId);
  }

  @Mutation(() => VaultAccess, { description: "Takes back a group's access to a company's vault (administrators)." })
  async revokeVaultAccess(
    @Arg('input', () => VaultAccessInput, { description: 'The company and the group.' }) input: VaultAccessInput,
    @Ctx() ctx: RequestContext,
  ): Promise<VaultAccess> {
    return ctx.services.vault.revoke(await ctx.admin(), input.companyId, input.groupId);
  }
}
