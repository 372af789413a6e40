import { Ctx, Field, Int, ObjectType, Query, Resolver } from 'type-graphql';
import type { RequestContext } from '../core/context.js';

@ObjectType({ description: 'What this Roster server runs with, for clients that adapt to it.' })
export class ServerInfo {
  @Field(() => Boolean, { description: 'True when emails go to the dev mailbox instead of Resend (no RESEND_API_KEY).' })
  devMailboxEnabled!: boolean;

  @Field(() => Boolean, { description: 'True when live updates are shared between instances through Redis.' })
  sharedLiveUpdates!: boolean;

  @Field(() => Int, { description: 'Largest CSV file accepted for import, in bytes.' })
  importMaxBytes!: number;
}

@Resolver()
export class ServerInfoResolver {
  @Query(() => ServerInfo, { description: 'How this server is configured. Public: it reveals no secret.' })
  serverInfo(@Ctx() ctx: RequestContext): ServerInfo {
    const { config } = ctx.services;
    return { devMailboxEnabled: !config.resendApiKey, sharedLiveUpdates: Boolean(config.redisUrl), importMaxBytes: config.importMaxBytes };
  }
}
