import { Field, ID, ObjectType } from 'type-graphql';
import { CAPPED_COUNT_DESCRIPTION } from '../core/lists/capped-count.js';
import { ConnectionType } from '../core/lists/connection.js';

@ObjectType({ description: 'A group of users in the MSP account.', simpleResolvers: true })
export class Group {
  @Field(() => ID, { description: 'Opaque id of the group.' })
  id!: string;

  @Field(() => String, { description: 'Group name, unique in the MSP account.' })
  name!: string;

  @Field(() => String, { nullable: true, description: 'What the group is for.' })
  description!: string | null;
}

export const GroupConnection = ConnectionType(Group, 'Group', 'groups', CAPPED_COUNT_DESCRIPTION);
