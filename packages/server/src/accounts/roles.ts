import { registerEnumType } from 'type-graphql';

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

export enum UserStatus {
  INVITED = 'INVITED',
  ACTIVE = 'ACTIVE',
  SUSPENDED = 'SUSPENDED',
  STAGED = 'STAGED',
}
registerEnumType(UserStatus, {
  name: 'UserStatus',
  description: 'Where a user stands in the MSP account.',
  valuesConfig: {
    INVITED: { description: 'Invited and not yet accepted: shows the "Invitation pending" badge.' },
    ACTIVE: { description: 'Accepted the invitation and can sign in.' },
    SUSPENDED: { description: 'Suspended (by an admin or deprovisioned upstream); cannot sign in.' },
    STAGED: { description: 'Brought in by an integration that stages new users: waits for an admin to invite (re-invite) or dismiss (un-invite) them.' },
  },
});

export enum UserSource {
  MANUAL = 'MANUAL',
  CSV = 'CSV',
  INTEGRATION = 'INTEGRATION',
  SCIM = 'SCIM',
}
registerEnumType(UserSource, {
  name: 'UserSource',
  description: 'How a user came into the MSP account.',
  valuesConfig: {
    MANUAL: { description: 'Invited by an admin, one by one or from a pasted list.' },
    CSV: { description: 'Imported from a CSV file.' },
    INTEGRATION: { description: 'Synced from an integration (directory, PSA or documentation tool).' },
    SCIM: { description: 'Provisioned by an identity provider over SCIM 2.0.' },
  },
});

export const isAdministrator = (role: Role): boolean => role === Role.OWNER || role === Role.ADMIN;

/** Owners are never suspended, by an administrator or from upstream: someone makes them an administrator first. */
export const isSuspendable = (role: Role): boolean => role !== Role.OWNER;
