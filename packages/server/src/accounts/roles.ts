import { registerEnumType } from 'type-graphql';
import { Role } from '../core/viewer.js';

export { Role, isAdministrator } from '../core/viewer.js';

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
    STAGED: {
      description:
        'Brought in by an integration that stages new users: waits for an admin to invite (re-invite) or dismiss (un-invite) them.',
    },
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

/** Owners are never suspended, by an administrator or from upstream: someone makes them an administrator first. */
export const isSuspendable = (role: Role): boolean => role !== Role.OWNER;
