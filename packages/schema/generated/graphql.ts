/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';
export type Maybe<T> = T | null;
export type InputMaybe<T> = Maybe<T>;
/** All built-in and custom scalars, mapped to their actual values */
export type Scalars = {
  ID: { input: string; output: string; }
  String: { input: string; output: string; }
  Boolean: { input: boolean; output: boolean; }
  Int: { input: number; output: number; }
  Float: { input: number; output: number; }
  /** A date-time string at UTC, such as 2007-12-03T10:15:30Z, compliant with the `date-time` format outlined in section 5.6 of the RFC 3339 profile of the ISO 8601 standard for representation of dates and times using the Gregorian calendar.This scalar is serialized to a string in ISO 8601 format and parsed from a string in ISO 8601 format. */
  DateTimeISO: { input: string; output: string; }
};

/** An MSP account (tenant). */
export type Account = {
  __typename?: 'Account';
  /** Opaque id of the MSP account. */
  id: Scalars['ID']['output'];
  /** Name of the MSP, shown in invitations and the dashboard. */
  name: Scalars['String']['output'];
};

/** A client company the MSP manages. */
export type Company = {
  __typename?: 'Company';
  /** Opaque id of the company. */
  id: Scalars['ID']['output'];
  /** Company name, unique in the MSP account. */
  name: Scalars['String']['output'];
  /** How many users belong to this company. */
  userCount: Scalars['Int']['output'];
};

/** A page of companies. */
export type CompanyConnection = {
  __typename?: 'CompanyConnection';
  /** The items of this page, in order. */
  edges: Array<CompanyEdge>;
  /** How to reach the neighbouring pages. */
  pageInfo: PageInfo;
  /** How many items match the filter, across all pages. */
  totalCount: Scalars['Int']['output'];
};

/** One company in a page, with its cursor. */
export type CompanyEdge = {
  __typename?: 'CompanyEdge';
  /** Opaque cursor of this edge. */
  cursor: Scalars['String']['output'];
  /** The company. */
  node: Company;
};

/** A group of users in the MSP account. */
export type Group = {
  __typename?: 'Group';
  /** What the group is for. */
  description: Maybe<Scalars['String']['output']>;
  /** Opaque id of the group. */
  id: Scalars['ID']['output'];
  /** Group name, unique in the MSP account. */
  name: Scalars['String']['output'];
  /** How many users are members of this group. */
  userCount: Scalars['Int']['output'];
};

/** A page of groups. */
export type GroupConnection = {
  __typename?: 'GroupConnection';
  /** The items of this page, in order. */
  edges: Array<GroupEdge>;
  /** How to reach the neighbouring pages. */
  pageInfo: PageInfo;
  /** How many items match the filter, across all pages. */
  totalCount: Scalars['Int']['output'];
};

/** One group in a page, with its cursor. */
export type GroupEdge = {
  __typename?: 'GroupEdge';
  /** Opaque cursor of this edge. */
  cursor: Scalars['String']['output'];
  /** The group. */
  node: Group;
};

export type Mutation = {
  __typename?: 'Mutation';
  /** Signs in with email and password and sets the session cookie. */
  signIn: SignInPayload;
  /** Ends the current session and clears its cookie. Safe to call when already signed out. */
  signOut: SignOutPayload;
  /** Makes another MSP account (of the signed-in person) the current one. */
  switchAccount: SwitchAccountPayload;
};


export type MutationSignInArgs = {
  input: SignInInput;
};


export type MutationSwitchAccountArgs = {
  input: SwitchAccountInput;
};

/** Which page to read. Use `first`/`after` to go forward or `last`/`before` to go back. */
export type PageArgs = {
  /** Cursor to read after (exclusive). */
  after?: InputMaybe<Scalars['String']['input']>;
  /** Cursor to read before (exclusive). */
  before?: InputMaybe<Scalars['String']['input']>;
  /** Items after `after`; at most 100. */
  first?: InputMaybe<Scalars['Int']['input']>;
  /** Items before `before`; at most 100. */
  last?: InputMaybe<Scalars['Int']['input']>;
};

/** Where a page sits in its list (Relay cursor connections). */
export type PageInfo = {
  __typename?: 'PageInfo';
  /** Cursor of the last edge; pass it as `after` for the next page. */
  endCursor: Maybe<Scalars['String']['output']>;
  /** True when items follow the last edge of this page. */
  hasNextPage: Scalars['Boolean']['output'];
  /** True when items precede the first edge of this page. */
  hasPreviousPage: Scalars['Boolean']['output'];
  /** Cursor of the first edge; pass it as `before` for the previous page. */
  startCursor: Maybe<Scalars['String']['output']>;
};

/** A person: one email and one sign-in, possibly in several MSP accounts. */
export type Person = {
  __typename?: 'Person';
  /** Sign-in email, normalised to lower case. */
  email: Scalars['String']['output'];
  /** Opaque id of the person. */
  id: Scalars['ID']['output'];
  /** Name the person chose. */
  name: Maybe<Scalars['String']['output']>;
};

export type Query = {
  __typename?: 'Query';
  /** The current MSP account's client companies, by name. */
  companies: CompanyConnection;
  /** One company of the current MSP account. NOT_FOUND for any other id. */
  company: Company;
  /** One group of the current MSP account. NOT_FOUND for any other id. */
  group: Group;
  /** The current MSP account's groups, by name. */
  groups: GroupConnection;
  /** The signed-in person and current MSP account. UNAUTHENTICATED when not signed in. */
  me: ViewerInfo;
  /** One user of the current MSP account. NOT_FOUND for any other id. */
  user: User;
  /** The current MSP account's users, filtered, sorted and paginated. Administrators only. */
  users: UserConnection;
};


export type QueryCompaniesArgs = {
  page?: InputMaybe<PageArgs>;
  search?: InputMaybe<Scalars['String']['input']>;
};


export type QueryCompanyArgs = {
  id: Scalars['ID']['input'];
};


export type QueryGroupArgs = {
  id: Scalars['ID']['input'];
};


export type QueryGroupsArgs = {
  page?: InputMaybe<PageArgs>;
  search?: InputMaybe<Scalars['String']['input']>;
};


export type QueryUserArgs = {
  id: Scalars['ID']['input'];
};


export type QueryUsersArgs = {
  filter?: InputMaybe<UserFilter>;
  orderBy?: InputMaybe<UserOrder>;
  page?: InputMaybe<PageArgs>;
};

/** What a user may do in an MSP account. Owners and administrators manage the account. */
export type Role =
  /** Administrator: manages users, invitations and integrations. */
  | 'ADMIN'
  /** A team member without administrative rights. */
  | 'MEMBER'
  /** Owns the MSP account; an administrator who cannot be removed by other administrators. */
  | 'OWNER';

/** Email and password of a person. */
export type SignInInput = {
  /** Email address (any letter case). */
  email: Scalars['String']['input'];
  /** Password. */
  password: Scalars['String']['input'];
};

/** Result of signing in; the session cookie is set on the response. */
export type SignInPayload = {
  __typename?: 'SignInPayload';
  /** Who is now signed in, and where. */
  viewer: ViewerInfo;
};

/** Result of signing out. */
export type SignOutPayload = {
  __typename?: 'SignOutPayload';
  /** True once the session is ended and the cookie cleared. */
  signedOut: Scalars['Boolean']['output'];
};

/** Ascending or descending order. */
export type SortDirection =
  | 'ASC'
  | 'DESC';

/** The MSP account to work in. */
export type SwitchAccountInput = {
  /** Id of an MSP account the signed-in person is an active member of. */
  accountId: Scalars['ID']['input'];
};

/** Result of switching the current MSP account. */
export type SwitchAccountPayload = {
  __typename?: 'SwitchAccountPayload';
  /** The viewer in the newly selected account. */
  viewer: ViewerInfo;
};

/** A team member of the MSP account: a person's membership, from invitation onwards. */
export type User = {
  __typename?: 'User';
  /** The client company the user belongs to, if any. */
  company: Maybe<Company>;
  /** When the user was added to the MSP account. */
  createdAt: Scalars['DateTimeISO']['output'];
  /** Email address, normalised to lower case. */
  email: Scalars['String']['output'];
  /** Id of this user in the upstream system that provisioned it (SCIM, directory sync). */
  externalId: Maybe<Scalars['String']['output']>;
  /** Groups the user is a member of, by name. */
  groups: Array<Group>;
  /** Opaque, stable id of this user in this MSP account. */
  id: Scalars['ID']['output'];
  /** True while an invitation waits to be accepted: the amber "Invitation pending" badge. */
  invitationPending: Scalars['Boolean']['output'];
  /** True for owners and administrators: the green "Administrator" badge. */
  isAdministrator: Scalars['Boolean']['output'];
  /** When the user last used Roster; null when never. */
  lastActiveAt: Maybe<Scalars['DateTimeISO']['output']>;
  /** Display name: the person's own once they accepted, else the one given at invite time. */
  name: Maybe<Scalars['String']['output']>;
  /** Role in this MSP account. */
  role: Role;
  /** How the user came in. */
  source: UserSource;
  /** Invited, active or suspended. */
  status: UserStatus;
};

/** A page of users. */
export type UserConnection = {
  __typename?: 'UserConnection';
  /** The items of this page, in order. */
  edges: Array<UserEdge>;
  /** How to reach the neighbouring pages. */
  pageInfo: PageInfo;
  /** How many items match the filter, across all pages. */
  totalCount: Scalars['Int']['output'];
};

/** One user in a page, with its cursor. */
export type UserEdge = {
  __typename?: 'UserEdge';
  /** Opaque cursor of this edge. */
  cursor: Scalars['String']['output'];
  /** The user. */
  node: User;
};

/** Narrows the users list. All given conditions must hold. */
export type UserFilter = {
  /** Only users of this company. */
  companyId?: InputMaybe<Scalars['ID']['input']>;
  /** Only members of this group. */
  groupId?: InputMaybe<Scalars['ID']['input']>;
  /** Only users with one of these roles. */
  roles?: InputMaybe<Array<Role>>;
  /** Matches part of the email or the name, case-insensitively (at most 200 characters). */
  search?: InputMaybe<Scalars['String']['input']>;
  /** Only users in one of these statuses. */
  statuses?: InputMaybe<Array<UserStatus>>;
};

/** Sort order of the users list. */
export type UserOrder = {
  /** The direction. */
  direction?: SortDirection;
  /** The field to sort by. */
  field: UserOrderField;
};

/** What the users list can be sorted by. */
export type UserOrderField =
  /** When the user was added. */
  | 'CREATED_AT'
  /** Email address, alphabetically. */
  | 'EMAIL'
  /** Last activity (never-active users first). */
  | 'LAST_ACTIVE_AT'
  /** Display name, alphabetically (users without a name first). */
  | 'NAME'
  /** Owner, then administrator, then member. */
  | 'ROLE'
  /** Invited, then active, then suspended. */
  | 'STATUS';

/** How a user came into the MSP account. */
export type UserSource =
  /** Imported from a CSV file. */
  | 'CSV'
  /** Synced from an integration (directory, PSA or documentation tool). */
  | 'INTEGRATION'
  /** Invited by an admin, one by one or from a pasted list. */
  | 'MANUAL'
  /** Provisioned by an identity provider over SCIM 2.0. */
  | 'SCIM';

/** Where a user stands in the MSP account. */
export type UserStatus =
  /** Accepted the invitation and can sign in. */
  | 'ACTIVE'
  /** Invited and not yet accepted: shows the "Invitation pending" badge. */
  | 'INVITED'
  /** Suspended (by an admin or deprovisioned upstream); cannot sign in. */
  | 'SUSPENDED';

/** The signed-in person and the MSP account they are working in. */
export type ViewerInfo = {
  __typename?: 'ViewerInfo';
  /** Every MSP account this person is an active member of. */
  accounts: Array<Account>;
  /** The MSP account every query and mutation is scoped to. */
  currentAccount: Account;
  /** True for owners and administrators of the current account. */
  isAdministrator: Scalars['Boolean']['output'];
  /** The signed-in person. */
  person: Person;
  /** The role in the current account. */
  role: Role;
};

/** Which page to read. Use `first`/`after` to go forward or `last`/`before` to go back. */
export type PageArgs = {
  /** Cursor to read after (exclusive). */
  after?: string | null | undefined;
  /** Cursor to read before (exclusive). */
  before?: string | null | undefined;
  /** Items after `after`; at most 100. */
  first?: number | null | undefined;
  /** Items before `before`; at most 100. */
  last?: number | null | undefined;
};

/** What a user may do in an MSP account. Owners and administrators manage the account. */
export type Role =
  /** Administrator: manages users, invitations and integrations. */
  | 'ADMIN'
  /** A team member without administrative rights. */
  | 'MEMBER'
  /** Owns the MSP account; an administrator who cannot be removed by other administrators. */
  | 'OWNER';

/** Email and password of a person. */
export type SignInInput = {
  /** Email address (any letter case). */
  email: string;
  /** Password. */
  password: string;
};

/** Ascending or descending order. */
export type SortDirection =
  | 'ASC'
  | 'DESC';

/** Narrows the users list. All given conditions must hold. */
export type UserFilter = {
  /** Only users of this company. */
  companyId?: string | null | undefined;
  /** Only members of this group. */
  groupId?: string | null | undefined;
  /** Only users with one of these roles. */
  roles?: Array<Role> | null | undefined;
  /** Matches part of the email or the name, case-insensitively (at most 200 characters). */
  search?: string | null | undefined;
  /** Only users in one of these statuses. */
  statuses?: Array<UserStatus> | null | undefined;
};

/** Sort order of the users list. */
export type UserOrder = {
  /** The direction. */
  direction?: SortDirection;
  /** The field to sort by. */
  field: UserOrderField;
};

/** What the users list can be sorted by. */
export type UserOrderField =
  /** When the user was added. */
  | 'CREATED_AT'
  /** Email address, alphabetically. */
  | 'EMAIL'
  /** Last activity (never-active users first). */
  | 'LAST_ACTIVE_AT'
  /** Display name, alphabetically (users without a name first). */
  | 'NAME'
  /** Owner, then administrator, then member. */
  | 'ROLE'
  /** Invited, then active, then suspended. */
  | 'STATUS';

/** Where a user stands in the MSP account. */
export type UserStatus =
  /** Accepted the invitation and can sign in. */
  | 'ACTIVE'
  /** Invited and not yet accepted: shows the "Invitation pending" badge. */
  | 'INVITED'
  /** Suspended (by an admin or deprovisioned upstream); cannot sign in. */
  | 'SUSPENDED';

export type ViewerFieldsFragment = { role: Role, isAdministrator: boolean, person: { id: string, email: string, name: string | null }, currentAccount: { id: string, name: string } };

export type MeQueryVariables = Exact<{ [key: string]: never; }>;


export type MeQuery = { me: { role: Role, isAdministrator: boolean, person: { id: string, email: string, name: string | null }, currentAccount: { id: string, name: string } } };

export type SignInMutationVariables = Exact<{
  input: SignInInput;
}>;


export type SignInMutation = { signIn: { viewer: { role: Role, isAdministrator: boolean, person: { id: string, email: string, name: string | null }, currentAccount: { id: string, name: string } } } };

export type SignOutMutationVariables = Exact<{ [key: string]: never; }>;


export type SignOutMutation = { signOut: { signedOut: boolean } };

export type CompaniesQueryVariables = Exact<{
  page?: PageArgs | null | undefined;
  search?: string | null | undefined;
}>;


export type CompaniesQuery = { companies: { totalCount: number, pageInfo: { hasNextPage: boolean, hasPreviousPage: boolean, startCursor: string | null, endCursor: string | null }, edges: Array<{ cursor: string, node: { id: string, name: string, userCount: number } }> } };

export type GroupsQueryVariables = Exact<{
  page?: PageArgs | null | undefined;
  search?: string | null | undefined;
}>;


export type GroupsQuery = { groups: { totalCount: number, pageInfo: { hasNextPage: boolean, hasPreviousPage: boolean, startCursor: string | null, endCursor: string | null }, edges: Array<{ cursor: string, node: { id: string, name: string, description: string | null, userCount: number } }> } };

export type UsersPageQueryVariables = Exact<{
  page?: PageArgs | null | undefined;
  filter?: UserFilter | null | undefined;
  orderBy?: UserOrder | null | undefined;
}>;


export type UsersPageQuery = { users: { totalCount: number, pageInfo: { hasNextPage: boolean, hasPreviousPage: boolean, startCursor: string | null, endCursor: string | null }, edges: Array<{ cursor: string, node: { id: string, email: string, name: string | null, role: Role, status: UserStatus, isAdministrator: boolean, invitationPending: boolean, lastActiveAt: string | null, company: { id: string, name: string } | null, groups: Array<{ id: string, name: string }> } }> } };

export const ViewerFieldsFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"ViewerFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ViewerInfo"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"person"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"email"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}},{"kind":"Field","name":{"kind":"Name","value":"currentAccount"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}},{"kind":"Field","name":{"kind":"Name","value":"role"}},{"kind":"Field","name":{"kind":"Name","value":"isAdministrator"}}]}}]} as unknown as DocumentNode<ViewerFieldsFragment, unknown>;
export const MeDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Me"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"me"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"ViewerFields"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"ViewerFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ViewerInfo"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"person"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"email"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}},{"kind":"Field","name":{"kind":"Name","value":"currentAccount"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}},{"kind":"Field","name":{"kind":"Name","value":"role"}},{"kind":"Field","name":{"kind":"Name","value":"isAdministrator"}}]}}]} as unknown as DocumentNode<MeQuery, MeQueryVariables>;
export const SignInDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"SignIn"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"SignInInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"signIn"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"viewer"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"ViewerFields"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"ViewerFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ViewerInfo"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"person"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"email"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}},{"kind":"Field","name":{"kind":"Name","value":"currentAccount"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}},{"kind":"Field","name":{"kind":"Name","value":"role"}},{"kind":"Field","name":{"kind":"Name","value":"isAdministrator"}}]}}]} as unknown as DocumentNode<SignInMutation, SignInMutationVariables>;
export const SignOutDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"SignOut"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"signOut"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"signedOut"}}]}}]}}]} as unknown as DocumentNode<SignOutMutation, SignOutMutationVariables>;
export const CompaniesDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Companies"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"page"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"PageArgs"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"search"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"companies"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"page"},"value":{"kind":"Variable","name":{"kind":"Name","value":"page"}}},{"kind":"Argument","name":{"kind":"Name","value":"search"},"value":{"kind":"Variable","name":{"kind":"Name","value":"search"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"totalCount"}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"hasPreviousPage"}},{"kind":"Field","name":{"kind":"Name","value":"startCursor"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}},{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"cursor"}},{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"userCount"}}]}}]}}]}}]}}]} as unknown as DocumentNode<CompaniesQuery, CompaniesQueryVariables>;
export const GroupsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Groups"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"page"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"PageArgs"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"search"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"groups"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"page"},"value":{"kind":"Variable","name":{"kind":"Name","value":"page"}}},{"kind":"Argument","name":{"kind":"Name","value":"search"},"value":{"kind":"Variable","name":{"kind":"Name","value":"search"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"totalCount"}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"hasPreviousPage"}},{"kind":"Field","name":{"kind":"Name","value":"startCursor"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}},{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"cursor"}},{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"description"}},{"kind":"Field","name":{"kind":"Name","value":"userCount"}}]}}]}}]}}]}}]} as unknown as DocumentNode<GroupsQuery, GroupsQueryVariables>;
export const UsersPageDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"UsersPage"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"page"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"PageArgs"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"filter"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"UserFilter"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"orderBy"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"UserOrder"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"users"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"page"},"value":{"kind":"Variable","name":{"kind":"Name","value":"page"}}},{"kind":"Argument","name":{"kind":"Name","value":"filter"},"value":{"kind":"Variable","name":{"kind":"Name","value":"filter"}}},{"kind":"Argument","name":{"kind":"Name","value":"orderBy"},"value":{"kind":"Variable","name":{"kind":"Name","value":"orderBy"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"totalCount"}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"hasPreviousPage"}},{"kind":"Field","name":{"kind":"Name","value":"startCursor"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}},{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"cursor"}},{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"email"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"role"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"isAdministrator"}},{"kind":"Field","name":{"kind":"Name","value":"invitationPending"}},{"kind":"Field","name":{"kind":"Name","value":"lastActiveAt"}},{"kind":"Field","name":{"kind":"Name","value":"company"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}},{"kind":"Field","name":{"kind":"Name","value":"groups"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}}]}}]}}]}}]}}]} as unknown as DocumentNode<UsersPageQuery, UsersPageQueryVariables>;