import 'reflect-metadata';
import type { GraphQLSchema } from 'graphql';
import { buildSchema } from 'type-graphql';
import { AccountSettingsResolver } from '../accounts/account-settings.resolver.js';
import { UsersResolver } from '../accounts/users.resolver.js';
import { AuthResolver } from '../auth/auth.resolver.js';
import { ApiKeysResolver } from '../auth/api-keys/api-keys.resolver.js';
import { MfaResolver } from '../auth/mfa/mfa.resolver.js';
import { SsoResolver } from '../auth/sso/sso.resolver.js';
import { SessionsResolver } from '../auth/sessions/sessions.resolver.js';
import { CompaniesResolver } from '../companies/companies.resolver.js';
import { GroupsResolver } from '../groups/groups.resolver.js';
import { InvitationsResolver } from '../invitations/invitations.resolver.js';
import { ImportsResolver } from '../imports/imports.resolver.js';
import { ServerInfoResolver } from './server-info.resolver.js';
import { UserEventsResolver } from '../realtime/user-events.resolver.js';
import { UserAdminResolver } from '../accounts/user-admin.resolver.js';
import { AuditLogResolver } from '../audit/audit-log.resolver.js';
import { WebhooksResolver } from '../webhooks/webhooks.resolver.js';
import { IntegrationsResolver } from '../integrations/integrations.resolver.js';
import { SyncRunsResolver } from '../integrations/sync-runs.resolver.js';
import { ScimActivityResolver } from '../integrations/scim-activity.resolver.js';
import { GroupManagedByResolver, UserManagedByResolver } from '../integrations/managed-by.resolver.js';
import { EmailRetryResolver } from '../mail/email-retry.resolver.js';
import { VaultResolver } from '../vault/vault.resolver.js';

let built: Promise<GraphQLSchema> | null = null;

/** The executable schema; built once per process (TypeGraphQL metadata is global). */
export function buildRosterSchema(): Promise<GraphQLSchema> {
  built ??= buildSchema({
    resolvers: [
      AuthResolver,
      ApiKeysResolver,
      MfaResolver,
      SsoResolver,
      SessionsResolver,
      UsersResolver,
      CompaniesResolver,
      GroupsResolver,
      InvitationsResolver,
      AccountSettingsResolver,
      ImportsResolver,
      ServerInfoResolver,
      UserEventsResolver,
      IntegrationsResolver,
      SyncRunsResolver,
      ScimActivityResolver,
      UserManagedByResolver,
      GroupManagedByResolver,
      UserAdminResolver,
      AuditLogResolver,
      WebhooksResolver,
      EmailRetryResolver,
      VaultResolver,
    ],
    validate: false,
    // Subscriptions read the services' event bus through their own `subscribe` functions; no topics are used.
    pubSub: {
      publish: () => {},
      subscribe: () => {
        throw new Error('Topic subscriptions are not used; give the subscription a `subscribe` function.');
      },
    },
    emitSchemaFile: false,
  }).then(describeRootTypes);
  return built;
}

/** TypeGraphQL cannot describe the root types; the playground's docs explorer opens on them. */
function describeRootTypes(schema: GraphQLSchema): GraphQLSchema {
  const query = schema.getQueryType();
  const mutation = schema.getMutationType();
  const subscription = schema.getSubscriptionType();
  if (query) query.description = "Reads. Everything is scoped to the current MSP account: the session's, or the API key's.";
  if (mutation)
    mutation.description =
      'Changes. Each takes one `input` argument and returns a payload; per-item results say what happened to each item.';
  if (subscription) subscription.description = 'Live events over graphql-ws on the same /graphql endpoint.';
  return schema;
}
