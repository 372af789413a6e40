import { Field, ObjectType, registerEnumType } from 'type-graphql';
import { GraphQLISODateTime, Int } from 'type-graphql';

export enum ScimActivityKind {
  CREATED = 'CREATED',
  UPDATED = 'UPDATED',
  DEACTIVATED = 'DEACTIVATED',
  REACTIVATED = 'REACTIVATED',
  REMOVED = 'REMOVED',
  ERROR = 'ERROR',
}
registerEnumType(ScimActivityKind, {
  name: 'ScimActivityKind',
  description: 'What a SCIM request of the identity provider did.',
  valuesConfig: {
    CREATED: { description: 'A user invited, staged or linked, or a group or company created.' },
    UPDATED: { description: 'A user, group or company changed, or group members added or removed.' },
    DEACTIVATED: { description: 'A user suspended (deactivated upstream).' },
    REACTIVATED: { description: 'A suspended user restored.' },
    REMOVED: { description: 'A user unlinked or a group deleted.' },
    ERROR: { description: 'Roster answered the request with an error (4xx or 5xx); see status and detail.' },
  },
});

@ObjectType({
  description: 'One recent thing a SCIM integration’s identity provider did, or a request Roster refused.',
  simpleResolvers: true,
})
export class ScimActivityItem {
  @Field(() => GraphQLISODateTime, { description: 'When it happened.' }) at!: Date;
  @Field(() => ScimActivityKind, { description: 'What kind of change, or ERROR.' }) kind!: ScimActivityKind;
  @Field(() => String, { nullable: true, description: 'The audit action (e.g. user.invited); null for errors.' }) action!: string | null;
  @Field(() => String, { nullable: true, description: 'The user’s email or the group’s name it concerned, when known.' }) target!:
    string | null;
  @Field(() => String, { nullable: true, description: 'Errors: the request’s method.' }) method!: string | null;
  @Field(() => String, { nullable: true, description: 'Errors: the request’s path below /scim/v2 (never its query or body).' }) path!:
    string | null;
  @Field(() => Int, { nullable: true, description: 'Errors: the HTTP status Roster answered with.' }) status!: number | null;
  @Field(() => String, { nullable: true, description: 'Errors: Roster’s explanation, as sent to the identity provider.' }) detail!:
    string | null;
}
