import { Role } from '../accounts/roles.js';

/** Who is asking, resolved from the session: the person and their role in the current account. */
export interface Viewer {
  sessionId: string;
  personId: string;
  accountId: string;
  membershipId: string;
  role: Role;
}
