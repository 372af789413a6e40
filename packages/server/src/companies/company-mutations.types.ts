import { Field, ID, InputType, ObjectType } from 'type-graphql';
import { User } from '../accounts/user.types.js';
import { Group } from '../groups/group.types.js';
import { Company } from './company.types.js';

@InputType({ description: 'A new company.' })
export class CreateCompanyInput {
  @Field(() => String, { description: 'Name, unique in the account (1 to 200 characters).' }) name!: string;
}

@InputType({ description: 'A new name for a company.' })
export class RenameCompanyInput {
  @Field(() => ID, { description: 'The company.' }) id!: string;
  @Field(() => String, { description: 'New name, unique in the account.' }) name!: string;
}

@InputType({ description: 'A company or group to delete.' })
export class DeleteByIdInput {
  @Field(() => ID, { description: 'Its id. Its users stay in the account.' }) id!: string;
}

@ObjectType({ description: 'A company after a change.' })
export class CompanyPayload {
  @Field(() => Company, { description: 'The company.' }) company!: Company;
}

@ObjectType({ description: 'What was deleted.' })
export class DeletePayload {
  @Field(() => ID, { description: 'Id of the deleted company or group.' }) deletedId!: string;
}

@InputType({ description: 'Users to put into a company (or take out of any company).' })
export class SetUsersCompanyInput {
  @Field(() => [ID], { description: 'Users of the account; at most 500.' }) userIds!: string[];
  @Field(() => ID, { nullable: true, description: 'The company; null takes them out of their company.' }) companyId?: string | null;
}

@ObjectType({ description: 'The users after a change, as they are now.' })
export class UsersPayload {
  @Field(() => [User], { description: 'The changed users.' }) users!: User[];
}

@InputType({ description: 'A new group.' })
export class CreateGroupInput {
  @Field(() => String, { description: 'Name, unique in the account (1 to 200 characters).' }) name!: string;
  @Field(() => String, { nullable: true, description: 'What the group is for (at most 1,000 characters).' }) description?: string | null;
}

@InputType({ description: 'Changes to a group.' })
export class UpdateGroupInput {
  @Field(() => ID, { description: 'The group.' }) id!: string;
  @Field(() => String, { nullable: true, description: 'New name, unique in the account.' }) name?: string | null;
  @Field(() => String, { nullable: true, description: 'New description.' }) description?: string | null;
}

@ObjectType({ description: 'A group after a change.' })
export class GroupPayload {
  @Field(() => Group, { description: 'The group.' }) group!: Group;
}

@InputType({ description: 'Users to add to or remove from a group.' })
export class GroupMembersInput {
  @Field(() => ID, { description: 'The group.' }) groupId!: string;
  @Field(() => [ID], { description: 'Users of the account; at most 500.' }) userIds!: string[];
}
