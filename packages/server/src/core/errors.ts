import { GraphQLError } from 'graphql';

/** Every extensions.code a client can rely on. Stable: renaming one is a breaking change. */
export const ErrorCode = {
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  INVALID_CREDENTIALS: 'INVALID_CREDENTIALS',
  TOO_MANY_ATTEMPTS: 'TOO_MANY_ATTEMPTS',
  /** Too many requests from one API key or IP address; `retryAfter` says how many seconds to wait. */
  RATE_LIMITED: 'RATE_LIMITED',
  /**
   * The database could not serve the request in time (a lock held too long, every connection busy, a
   * statement over its time limit); nothing was changed. Try again after `retryAfter` seconds.
   */
  DATABASE_BUSY: 'DATABASE_BUSY',
  /** The document is too deep, too costly, or has too many aliases or directives; `limit` and `max` say which. */
  QUERY_TOO_COMPLEX: 'QUERY_TOO_COMPLEX',
  /** More operations in one batched HTTP request than allowed; `max` says how many. */
  BATCH_TOO_LARGE: 'BATCH_TOO_LARGE',
  /** The HTTP request itself is malformed (a body that is not JSON, too large...), before any GraphQL is read. */
  BAD_REQUEST: 'BAD_REQUEST',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
  /** The password was right but the session waits for the second factor (verifySecondFactor); nothing else answers until then. */
  MFA_REQUIRED: 'MFA_REQUIRED',
  /** The account requires MFA and the person has none yet: only the enrolment operations answer until one is confirmed. */
  MFA_ENROLMENT_REQUIRED: 'MFA_ENROLMENT_REQUIRED',
  /** The password was right, but the person's MSP account signs in with single sign-on only: use "Sign in with SSO". */
  SSO_REQUIRED: 'SSO_REQUIRED',
  /** The account's seat limit is reached: `limit` and `available` (seats left) say how far; nobody was added past it. */
  SEAT_LIMIT_REACHED: 'SEAT_LIMIT_REACHED',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Why a request is unauthenticated, so the SPA can say the right thing. */
export type UnauthenticatedReason = 'NO_SESSION' | 'SESSION_EXPIRED' | 'SESSION_INVALID' | MfaPendingReason | ApiKeyRejection;

/** A session whose password was checked but which is not usable yet: it waits for the second factor or for an enrolment. */
export type MfaPendingReason = 'MFA_REQUIRED' | 'MFA_ENROLMENT_REQUIRED';

/** Why an `Authorization: Bearer` API key was refused. */
export type ApiKeyRejection = 'API_KEY_MALFORMED' | 'API_KEY_UNKNOWN' | 'API_KEY_REVOKED' | 'API_KEY_EXPIRED' | 'API_KEY_CREATOR_INACTIVE';

const unauthenticatedMessages: Record<UnauthenticatedReason, string> = {
  NO_SESSION: 'You are not signed in. Please sign in.',
  SESSION_INVALID: 'You are not signed in. Please sign in.',
  SESSION_EXPIRED: 'Your session has expired. Please sign in again.',
  MFA_REQUIRED: 'Enter the code from your authenticator app, a recovery code, or use your passkey to finish signing in.',
  MFA_ENROLMENT_REQUIRED: 'Your MSP account requires multi-factor authentication: set it up to continue.',
  API_KEY_MALFORMED: 'The Authorization header must be "Bearer rst_<prefix>_<secret>" with a Roster API key.',
  API_KEY_UNKNOWN: 'This API key does not exist. Check that it was copied whole.',
  API_KEY_REVOKED: 'This API key was revoked. Ask an administrator for a new one.',
  API_KEY_EXPIRED: 'This API key has expired. Ask an administrator for a new one.',
  API_KEY_CREATOR_INACTIVE: 'The administrator who created this API key no longer administers the account, so the key stopped working.',
};

export function unauthenticated(reason: UnauthenticatedReason): GraphQLError {
  // A half-signed-in session has its own code, so clients send the person to the second factor, not to the sign-in page.
  if (reason === 'MFA_REQUIRED' || reason === 'MFA_ENROLMENT_REQUIRED')
    return new GraphQLError(unauthenticatedMessages[reason], { extensions: { code: ErrorCode[reason], reason } });
  return new GraphQLError(unauthenticatedMessages[reason], { extensions: { code: ErrorCode.UNAUTHENTICATED, reason } });
}

export function forbidden(message: string, extra: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ErrorCode.FORBIDDEN, ...extra } });
}

export function notFound(what: string, field?: string): GraphQLError {
  return new GraphQLError(`${what} was not found.`, { extensions: { code: ErrorCode.NOT_FOUND, ...(field ? { field } : {}) } });
}

/** Input the server refuses; `field` names the argument or input field at fault. */
export function badInput(field: string, message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ErrorCode.BAD_USER_INPUT, field } });
}

/** The message of SEAT_LIMIT_REACHED, for errors and per-item outcomes alike: how many seats are left of how many. */
export function seatLimitMessage(available: number, limit: number): string {
  const left = available === 0 ? 'no seats are left' : `only ${available} seat${available === 1 ? ' is' : 's are'} left`;
  return `The account's seat limit is reached: ${left} of ${limit}. Suspend or un-invite users, or ask the account owner to raise the limit.`;
}

export function seatLimitReached(available: number, limit: number): GraphQLError {
  return new GraphQLError(seatLimitMessage(available, limit), {
    extensions: { code: ErrorCode.SEAT_LIMIT_REACHED, limit, available },
  });
}

/** Said only after a right password (or passkey), so it tells nothing to someone who does not know it. */
export function ssoRequired(): GraphQLError {
  return new GraphQLError('Your MSP account signs in with single sign-on: use "Sign in with SSO" and your work account.', {
    extensions: { code: ErrorCode.SSO_REQUIRED },
  });
}

/** Said the same for a wrong password and an email nobody signs in with, so sign-in never tells which emails exist. */
export function invalidCredentials(): GraphQLError {
  return new GraphQLError('The email or password is incorrect. Check both and try again.', {
    extensions: { code: ErrorCode.INVALID_CREDENTIALS },
  });
}

/** Failed sign-ins from this address slowed it down; `retryAfter` says how many seconds to wait. */
export function tooManyAttempts(retryAfterSeconds: number): GraphQLError {
  const wait = retryAfterSeconds < 60 ? `${retryAfterSeconds} second(s)` : `${Math.ceil(retryAfterSeconds / 60)} minute(s)`;
  return new GraphQLError(`Too many failed sign-in attempts. Try again in ${wait}.`, {
    extensions: { code: ErrorCode.TOO_MANY_ATTEMPTS, retryAfter: retryAfterSeconds },
  });
}

/** How long a client is told to wait after DATABASE_BUSY. */
export const DATABASE_BUSY_RETRY_AFTER_SECONDS = 5;

export function databaseBusy(): GraphQLError {
  return new GraphQLError(
    'Roster is busy: the database could not answer in time, and nothing was changed. Please try again in a few seconds.',
    {
      extensions: { code: ErrorCode.DATABASE_BUSY, retryAfter: DATABASE_BUSY_RETRY_AFTER_SECONDS },
    },
  );
}

/** Driver codes and MySQL/MariaDB error numbers of "waited too long": lock waits, deadlocks, statement and pool timeouts. */
const BUSY_CODES = new Set([
  'ER_LOCK_WAIT_TIMEOUT',
  'ER_LOCK_DEADLOCK',
  'ER_STATEMENT_TIMEOUT',
  'ER_QUERY_TIMEOUT',
  'SQLITE_BUSY',
  'SQLITE_BUSY_SNAPSHOT',
  'SQLITE_BUSY_RECOVERY',
  'SQLITE_LOCKED',
  'ROSTER_POOL_TIMEOUT',
]);
const BUSY_ERRNOS = new Set([1205, 1213, 1969, 3024]);

/**
 * True when an error (or what it wraps: a GraphQL error's original, TypeORM's driver error, a cause) says the
 * database was too busy to answer, as opposed to a bug: the one test behind DATABASE_BUSY on every path.
 */
export function isDatabaseBusy(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; current && typeof current === 'object' && depth < 5; depth++) {
    const { code, errno } = current as { code?: unknown; errno?: unknown };
    if ((typeof code === 'string' && BUSY_CODES.has(code)) || (typeof errno === 'number' && BUSY_ERRNOS.has(errno))) return true;
    const wrapper = current as { originalError?: unknown; driverError?: unknown; cause?: unknown };
    current = wrapper.originalError ?? wrapper.driverError ?? wrapper.cause;
  }
  return false;
}

/** Invitation lifecycle codes, each with its own message on the accept page. */
export const InvitationErrorCode = {
  INVITATION_NOT_FOUND: 'INVITATION_NOT_FOUND',
  INVITATION_EXPIRED: 'INVITATION_EXPIRED',
  INVITATION_REVOKED: 'INVITATION_REVOKED',
  INVITATION_REPLACED: 'INVITATION_REPLACED',
  INVITATION_ALREADY_USED: 'INVITATION_ALREADY_USED',
  INVITATION_EMAIL_MISMATCH: 'INVITATION_EMAIL_MISMATCH',
  SIGN_IN_REQUIRED: 'SIGN_IN_REQUIRED',
  REINVITE_THROTTLED: 'REINVITE_THROTTLED',
  NOT_PENDING: 'NOT_PENDING',
  TOO_MANY_ADDRESSES: 'TOO_MANY_ADDRESSES',
} as const;
export type InvitationErrorCode = (typeof InvitationErrorCode)[keyof typeof InvitationErrorCode];

export function invitationError(code: InvitationErrorCode, message: string, extra: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { code, ...extra } });
}

/** Integration and sync codes, so the Integrations page can say exactly what to do. */
export const IntegrationErrorCode = {
  /** The integration already has a run queued, running or awaiting confirmation (`runId` names it). */
  SYNC_ALREADY_RUNNING: 'SYNC_ALREADY_RUNNING',
  /** The run is not in a state that allows this (e.g. confirming a run that is not awaiting confirmation). */
  SYNC_RUN_NOT_ACTIVE: 'SYNC_RUN_NOT_ACTIVE',
  /** The integration is disabled: enable it first. */
  INTEGRATION_DISABLED: 'INTEGRATION_DISABLED',
  /** The integration's type is pushed to Roster (SCIM) or has no connector yet: it cannot be synced or tested. */
  SYNC_NOT_SUPPORTED: 'SYNC_NOT_SUPPORTED',
  /**
   * A setting that decides where credentials are sent (site, tenant...) changed without every stored secret
   * typed again: `fields` names the secrets to re-enter, `changed` the settings that moved.
   */
  CREDENTIALS_REQUIRED: 'CREDENTIALS_REQUIRED',
} as const;
export type IntegrationErrorCode = (typeof IntegrationErrorCode)[keyof typeof IntegrationErrorCode];

export function integrationError(code: IntegrationErrorCode, message: string, extra: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { code, ...extra } });
}

/** Per-user result codes of the admin user actions (changeUserRole, suspendUsers, restoreUsers). */
export const UserAdminCode = {
  /** Only an owner may make someone an owner, or change an owner's role. */
  OWNER_REQUIRED: 'OWNER_REQUIRED',
  /** The change would leave the account without an active owner. */
  LAST_OWNER: 'LAST_OWNER',
  /** Administrators cannot suspend themselves. */
  CANNOT_SUSPEND_SELF: 'CANNOT_SUSPEND_SELF',
  /** Owners cannot be suspended: make them an administrator first. */
  OWNER_NOT_SUSPENDABLE: 'OWNER_NOT_SUSPENDABLE',
  ALREADY_SUSPENDED: 'ALREADY_SUSPENDED',
  NOT_SUSPENDED: 'NOT_SUSPENDED',
} as const;
export type UserAdminCode = (typeof UserAdminCode)[keyof typeof UserAdminCode];
