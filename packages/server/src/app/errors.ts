import { GraphQLError } from 'graphql';

/** Every extensions.code a client can rely on. Stable: renaming one is a breaking change. */
export const ErrorCode = {
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  INVALID_CREDENTIALS: 'INVALID_CREDENTIALS',
  TOO_MANY_ATTEMPTS: 'TOO_MANY_ATTEMPTS',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Why a request is unauthenticated, so the SPA can say the right thing. */
export type UnauthenticatedReason = 'NO_SESSION' | 'SESSION_EXPIRED' | 'SESSION_INVALID';

export function unauthenticated(reason: UnauthenticatedReason): GraphQLError {
  const message =
    reason === 'SESSION_EXPIRED' ? 'Your session has expired. Please sign in again.' : 'You are not signed in. Please sign in.';
  return new GraphQLError(message, { extensions: { code: ErrorCode.UNAUTHENTICATED, reason } });
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

export function invalidCredentials(): GraphQLError {
  return new GraphQLError('The email or password is incorrect.', { extensions: { code: ErrorCode.INVALID_CREDENTIALS } });
}

export function tooManyAttempts(retryAfterSeconds: number): GraphQLError {
  return new GraphQLError(`Too many failed sign-in attempts. Try again in ${Math.ceil(retryAfterSeconds / 60)} minute(s).`, {
    extensions: { code: ErrorCode.TOO_MANY_ATTEMPTS, retryAfter: retryAfterSeconds },
  });
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
