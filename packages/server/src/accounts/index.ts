/** The accounts feature's public entry: tenants, people, memberships (users) and the Users query. */
import type { AssignmentsService } from './assignments.service.js';
import type { UserAdminService } from './user-admin.service.js';
import type { UsersService } from './users.service.js';

declare module '../core/context.js' {
  interface Services {
    users: UsersService;
    assignments: AssignmentsService;
    /** Role changes, suspensions and restores by administrators. */
    userAdmin: UserAdminService;
  }
}

// Used by other features.
export {
  assertMayActOn,
  assertMayGrant,
  grantableRoles,
  grantRefusalError,
  higherRole,
  refusalMessage,
  refusalToActOn,
  refusalToGrant,
  roleName,
  rolePlural,
} from './role-grants.js';
export { MAX_JOB_TITLE, readJobTitle } from './job-title.js';
export { MAX_NAME, readName } from './person-name.js';
export { isAdministrator, isSuspendable, type Role, UserSource, UserStatus } from './roles.js';
export { restoreMemberships, suspendMemberships } from './user-lifecycle.js';
export { claimSeats, countSeatsUsed, readSeatLimit, seatRefusal, takesSeat, type SeatClaim } from './seats.js';
