import { Field, ID, InputType } from 'type-graphql';
import { Role } from './roles.js';

@InputType({ description: 'Users and the role to give them.' })
export class ChangeUserRoleInput {
  @Field(() => [ID], { description: 'Ids of users of the current account; at most 500.' })
  userIds!: string[];

  @Field(() => Role, { description: 'The new role. Only an owner may give or take away OWNER; the last active owner keeps it.' })
  role!: Role;
}

@InputType({ description: 'A selection of users to suspend or restore.' })
export class UserSelectionInput {
  @Field(() => [ID], { description: 'Ids of users of the current account; at most 500.' })
  userIds!: string[];
}
