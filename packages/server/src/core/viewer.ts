import { registerEnumType } from 'type-graphql';

/** A person's role in an MSP account: part of who is asking, so every floor can ask it. */
export enum Role {
  OWNER = 'OWNER',
  ADMIN = 'ADMIN',
  MEMBER = 'MEMBER',
}
registerEnumType(Role, {
  name: 'Role',
  description: 'What a user may do in an MSP account. Owners and administrators manage the account.',
  valuesConfig: {
    OWNER: { description: 'Owns the MSP account; an administrator who cannot be removed by other administrators.' },
    ADMIN: { description: 'Administrator: manages users, invitations and integrations.' },
    MEMBER: { description: 'A team member without administrative rights.' },
  },
});

export const isAdministrator = (role: Role): boolean => role === Role.OWNER || role === Role.ADMIN;

/** Who is asking, resolved from the session: the person and their role in the current account. */
export interface Viewer {
  /** Null when the caller is an API key rather than a browser session. */
  sessionId: string | null;
  /** For an API key: the administrator who created it (the key never has more access than they do). */
  personId: string;
  accountId: string;
  membershipId: string;
  role: Role;
  /** Set when the request authenticated with `Authorization: Bearer <API key>`. */
  apiKey?: { id: string; scopes: readonly string[] };
}

/** Who made a change, as the audit trail names it. */
export interface Actor {
  type: 'PERSON' | 'API_KEY' | 'SCIM' | 'INTEGRATION' | 'SYSTEM';
  id: string | null;
}

/** Who the audit trail names for a change made by this viewer: the person, or the API key they created. */
export function actorOf(viewer: Viewer): Actor {
  return viewer.apiKey ? { type: 'API_KEY', id: viewer.apiKey.id } : { type: 'PERSON', id: viewer.personId };
}
