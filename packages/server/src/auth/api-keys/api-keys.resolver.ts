import { Arg, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import type { RequestContext } from '../../core/context.js';
import { PageArgs } from '../../core/lists/connection.js';
import type { ApiKeyInfo } from './api-key.service.js';
import {
  ApiKey,
  ApiKeyConnection,
  ApiScopeInfo,
  CreateApiKeyInput,
  CreateApiKeyPayload,
  RevokeApiKeyInput,
  RevokeApiKeyPayload,
} from './api-key.types.js';
import { API_SCOPES } from './scopes.js';

@Resolver()
export class ApiKeysResolver {
  @Query(() => ApiKeyConnection, {
    description:
      "The current MSP account's API keys, newest first, revoked ones included. Administrators only, signed in (not with an API key).",
  })
  async apiKeys(
    @Ctx() ctx: RequestContext,
    @Arg('page', () => PageArgs, { nullable: true, description: 'Which page; 25 keys by default, at most 100.' }) page?: PageArgs,
  ) {
    const viewer = await ctx.admin();
    const connection = await ctx.services.apiKeys.list(viewer.accountId, page);
    return { ...connection, edges: connection.edges.map((edge) => ({ ...edge, node: toApiKey(edge.node) })) };
  }

  @Query(() => [ApiScopeInfo], { description: 'Every scope an API key can have, with what it allows.' })
  apiScopes(): ApiScopeInfo[] {
    return Object.entries(API_SCOPES).map(([name, description]) => ({ name, description }));
  }

  @Mutation(() => CreateApiKeyPayload, {
    description: 'Creates an API key. The secret is in the payload only this once. Administrators only, signed in; audited.',
  })
  async createApiKey(
    @Arg('input', () => CreateApiKeyInput, { description: 'Name, scopes and optional expiry of the new key.' }) input: CreateApiKeyInput,
    @Ctx() ctx: RequestContext,
  ): Promise<CreateApiKeyPayload> {
    const viewer = await ctx.admin();
    const { key, apiKey } = await ctx.services.apiKeys.create(viewer, input);
    return { apiKey: toApiKey(apiKey), secret: key };
  }

  @Mutation(() => RevokeApiKeyPayload, {
    description: 'Revokes an API key at once; NOT_FOUND for a key of another account. Administrators only, signed in; audited.',
  })
  async revokeApiKey(
    @Arg('input', () => RevokeApiKeyInput, { description: 'The key to revoke.' }) input: RevokeApiKeyInput,
    @Ctx() ctx: RequestContext,
  ): Promise<RevokeApiKeyPayload> {
    const viewer = await ctx.admin();
    return { apiKey: toApiKey(await ctx.services.apiKeys.revoke(viewer, input.id)) };
  }
}

function toApiKey(info: ApiKeyInfo): ApiKey {
  return { ...info, active: !info.revokedAt && (!info.expiresAt || info.expiresAt.getTime() > Date.now()) };
}
