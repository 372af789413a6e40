import { Field, GraphQLISODateTime, ID, InputType, ObjectType } from 'type-graphql';
import { ConnectionType } from '../../core/lists/connection.js';

@ObjectType({
  description:
    'A credential for third parties, sent as `Authorization: Bearer <key>`. The secret itself is never shown again after creation.',
  simpleResolvers: true,
})
export class ApiKey {
  @Field(() => ID, { description: 'Id of the key (pass it to revokeApiKey).' })
  id!: string;

  @Field(() => String, { description: 'What the key is for, as its creator named it.' })
  name!: string;

  @Field(() => String, {
    description: 'The start of the key (`rst_<prefix>_...`), shown in lists so a key can be recognised without its secret.',
  })
  prefix!: string;

  @Field(() => [String], { description: 'What the key may do; every scope is listed by the apiScopes query.' })
  scopes!: string[];

  @Field(() => GraphQLISODateTime, { description: 'When the key was created.' })
  createdAt!: Date;

  @Field(() => String, {
    nullable: true,
    description: 'Name (or email) of the administrator who created the key; the key acts on their behalf.',
  })
  createdBy!: string | null;

  @Field(() => GraphQLISODateTime, { nullable: true, description: 'When the key stops working; null when it never expires.' })
  expiresAt!: Date | null;

  @Field(() => GraphQLISODateTime, { nullable: true, description: 'When the key was last used, to the minute; null when never.' })
  lastUsedAt!: Date | null;

  @Field(() => GraphQLISODateTime, { nullable: true, description: 'When the key was revoked; null while it is usable.' })
  revokedAt!: Date | null;

  @Field(() => Boolean, { description: 'True when the key works now: neither revoked nor expired.' })
  active!: boolean;
}

export const ApiKeyConnection = ConnectionType(ApiKey, 'ApiKey', 'API keys');

@ObjectType({ description: 'A permission an API key can be given.', simpleResolvers: true })
export class ApiScopeInfo {
  @Field(() => String, { description: 'The scope as given to createApiKey, e.g. `users:read`.' })
  name!: string;

  @Field(() => String, { description: 'What the scope allows, for the Settings page.' })
  description!: string;
}

@InputType({ description: 'A new API key.' })
export class CreateApiKeyInput {
  @Field(() => String, { description: 'What the key is for, e.g. "PSA sync" (1 to 100 characters).' })
  name!: string;

  @Field(() => [String], { description: 'Scopes from apiScopes; at least one. Unknown scopes are refused.' })
  scopes!: string[];

  @Field(() => GraphQLISODateTime, {
    nullable: true,
    description: 'When the key stops working; in the future. Omit for a key that does not expire.',
  })
  expiresAt?: Date | null;
}

@ObjectType({ description: 'The new key and its secret.' })
export class CreateApiKeyPayload {
  @Field(() => ApiKey, { description: 'The key as lists show it.' })
  apiKey!: ApiKey;

  @Field(() => String, { description: 'The whole key (`rst_<prefix>_<secret>`). Shown only this once: Roster keeps only its hash.' })
  secret!: string;
}

@InputType({ description: 'The API key to revoke.' })
export class RevokeApiKeyInput {
  @Field(() => ID, { description: 'Id of the key.' })
  id!: string;
}

@ObjectType({ description: 'The key after revocation.' })
export class RevokeApiKeyPayload {
  @Field(() => ApiKey, { description: 'The key, now with revokedAt set. Requests with it are refused from now on.' })
  apiKey!: ApiKey;
}
