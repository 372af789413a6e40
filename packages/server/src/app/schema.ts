import 'reflect-metadata';
import type { GraphQLSchema } from 'graphql';
import { buildSchema } from 'type-graphql';
import { AccountSettingsResolver } from '../accounts/account-settings.resolver.js';
import { UsersResolver } from '../accounts/users.resolver.js';
import { AuthResolver } from '../auth/auth.resolver.js';
import { CompaniesResolver } from '../companies/companies.resolver.js';
import { GroupsResolver } from '../groups/groups.resolver.js';
import { InvitationsResolver } from '../invitations/invitations.resolver.js';
import { ImportsResolver } from '../imports/imports.resolver.js';
import { ServerInfoResolver } from './server-info.resolver.js';
import { UserEventsResolver } from '../realtime/user-events.resolver.js';

let built: Promise<GraphQLSchema> | null = null;

/** The executable schema; built once per process (TypeGraphQL metadata is global). */
export function buildRosterSchema(): Promise<GraphQLSchema> {
  built ??= buildSchema({
    resolvers: [AuthResolver, UsersResolver, CompaniesResolver, GroupsResolver, InvitationsResolver, AccountSettingsResolver, ImportsResolver, ServerInfoResolver, UserEventsResolver],
    validate: false,
    // Subscriptions read the services' event bus through their own `subscribe` functions; no topics are used.
    pubSub: {
      publish: () => {},
      subscribe: () => {
        throw new Error('Topic subscriptions are not used; give the subscription a `subscribe` function.');
      },
    },
    emitSchemaFile: false,
  });
  return built;
}
