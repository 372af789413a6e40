import { Role } from '../accounts/roles.js';
import type { Actor } from '../audit/audit.js';

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

/** Who the audit trail names for a change made by this viewer: the person, or the API key they created. */
export function actorOf(viewer: Viewer): Actor {
  return viewer.apiKey ? { type: 'API_KEY', id: viewer.apiKey.id } : { type: 'PERSON', id: viewer.personId };
}
