/* The fake Microsoft Graph's directory objects and what `$select` may name (microsoft-graph.ts serves them). */

export interface FakeGraphUser {
  id: string;
  displayName: string;
  mail: string | null;
  userPrincipalName: string;
  accountEnabled: boolean;
}

export interface FakeGraphGroup {
  id: string;
  displayName: string;
  description: string | null;
  /** Member object ids (users in `users`, or other objects such as devices). */
  members: string[];
}

/** What each type lets `$select` name (the fake's subset of Graph's properties). */
export const SELECTABLE = {
  organization: ['id', 'displayName', 'verifiedDomains'],
  user: ['id', 'displayName', 'mail', 'userPrincipalName', 'accountEnabled', 'givenName', 'surname', 'jobTitle'],
  group: ['id', 'displayName', 'description', 'mail', 'securityEnabled'],
  directoryObject: ['id', 'deletedDateTime'],
} as const satisfies Record<string, readonly string[]>;

/** What comes back without `$select`: a user's default set leaves `accountEnabled` out, as Graph's does. */
export const DEFAULT_PROPERTIES: Record<keyof typeof SELECTABLE, readonly string[]> = {
  organization: SELECTABLE.organization,
  user: ['id', 'displayName', 'mail', 'userPrincipalName', 'givenName', 'surname', 'jobTitle'],
  group: SELECTABLE.group,
  directoryObject: ['id', '@odata.type'],
};

export function pick<T extends object>(object: T, names: readonly string[]): T {
  return Object.fromEntries(Object.entries(object).filter(([name]) => names.includes(name))) as T;
}
