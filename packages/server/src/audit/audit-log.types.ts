import { Field, GraphQLISODateTime, ID, InputType, ObjectType, registerEnumType } from 'type-graphql';
import { CAPPED_COUNT_DESCRIPTION } from '../core/lists/capped-count.js';
import { ConnectionType } from '../core/lists/connection.js';

export enum AuditActorType {
  PERSON = 'PERSON',
  API_KEY = 'API_KEY',
  SCIM = 'SCIM',
  INTEGRATION = 'INTEGRATION',
  SYSTEM = 'SYSTEM',
}
registerEnumType(AuditActorType, {
  name: 'AuditActorType',
  description: 'What kind of actor made a change.',
  valuesConfig: {
    PERSON: { description: 'A signed-in person (an administrator, or a user accepting their invitation).' },
    API_KEY: { description: 'A third party calling the API with an API key.' },
    SCIM: { description: 'An identity provider provisioning over SCIM 2.0 (the SCIM integration).' },
    INTEGRATION: { description: 'An integration sync (directory, PSA or documentation tool).' },
    SYSTEM: { description: 'Roster itself (expiry sweeps, email delivery reports).' },
  },
});

@ObjectType({ description: 'Who made a change, resolved to something a person recognises.', simpleResolvers: true })
export class AuditActor {
  @Field(() => AuditActorType, { description: 'What kind of actor.' })
  type!: AuditActorType;

  @Field(() => ID, { nullable: true, description: 'Id of the person, API key or integration; null for SYSTEM.' })
  id!: string | null;

  @Field(() => String, {
    description:
      'Display name: the person\'s name (or email), the API key\'s or the integration\'s name, "Roster" for SYSTEM, or "(deleted)" when it no longer exists.',
  })
  name!: string;

  @Field(() => String, { nullable: true, description: "The person's email, for PERSON actors." })
  email!: string | null;
}

@ObjectType({ description: 'One entry of the audit log: who did what to whom, when and from where.', simpleResolvers: true })
export class AuditEvent {
  @Field(() => ID, { description: 'Id of the entry (also the `id` of webhook deliveries about it).' })
  id!: string;

  @Field(() => String, { description: 'What happened, e.g. `user.invited`, `user.role_changed`, `webhook.endpoint_created`.' })
  action!: string;

  @Field(() => AuditActorType, { description: 'What kind of actor made the change.' })
  actorType!: AuditActorType;

  @Field(() => ID, { nullable: true, description: 'Id of the actor; null for SYSTEM.' })
  actorId!: string | null;

  @Field(() => ID, { nullable: true, description: 'Id of what the change was made to (a user, company, group, endpoint...).' })
  targetId!: string | null;

  @Field(() => String, { nullable: true, description: 'Email of the user the change was made to, when it concerns a user.' })
  targetEmail!: string | null;

  @Field(() => String, { nullable: true, description: 'What changed, as a JSON object string (e.g. `{"from":"MEMBER","to":"ADMIN"}`).' })
  details!: string | null;

  @Field(() => String, {
    nullable: true,
    description: "The caller's IP address for changes made through the API; null for background work.",
  })
  ip!: string | null;

  @Field(() => GraphQLISODateTime, { description: 'When it happened.' })
  createdAt!: Date;
}

export const AuditEventConnection = ConnectionType(AuditEvent, 'AuditEvent', 'audit events', CAPPED_COUNT_DESCRIPTION);

@InputType({ description: 'Conditions every returned audit event meets; all are optional and combine with AND.' })
export class AuditEventFilter {
  @Field(() => [String], { nullable: true, description: 'Only these actions, e.g. ["user.invited", "user.suspended"]; at most 50.' })
  actions?: string[] | null;

  @Field(() => [AuditActorType], { nullable: true, description: 'Only changes by these kinds of actors.' })
  actorTypes?: AuditActorType[] | null;

  @Field(() => ID, { nullable: true, description: 'Only changes by this person, API key or integration.' })
  actorId?: string | null;

  @Field(() => ID, { nullable: true, description: 'Only changes to this user (or other target).' })
  targetId?: string | null;

  @Field(() => String, {
    nullable: true,
    description:
      'The start of the target email (e.g. `ann@`, `ann@contoso`) or of the action (e.g. `user.`), any letter case; at most 200 characters. Only the start: each is read from an index, so a search costs what its matches number, not the length of the log.',
  })
  search?: string | null;

  @Field(() => GraphQLISODateTime, { nullable: true, description: 'Only events at or after this time.' })
  from?: Date | null;

  @Field(() => GraphQLISODateTime, { nullable: true, description: 'Only events before this time.' })
  to?: Date | null;
}
