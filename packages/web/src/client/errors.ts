import { CombinedGraphQLErrors } from '@apollo/client';
import type { GraphQLFormattedError } from 'graphql';

/** Error codes the API puts in `extensions.code` (see packages/server app/errors.ts). */
export type ApiErrorCode =
  'UNAUTHENTICATED' | 'FORBIDDEN' | 'NOT_FOUND' | 'BAD_USER_INPUT' | 'INVALID_CREDENTIALS' | 'TOO_MANY_ATTEMPTS' | (string & {});

function graphQLErrors(error: unknown): readonly GraphQLFormattedError[] {
  if (CombinedGraphQLErrors.is(error)) return error.errors;
  return [];
}

/** The first GraphQL error carrying the given code, if any. */
export function findGraphQLError(error: unknown, code: ApiErrorCode): GraphQLFormattedError | undefined {
  return graphQLErrors(error).find((e) => e.extensions?.code === code);
}

/** The `extensions.code` of the first GraphQL error, if the failure came from the API. */
export function errorCode(error: unknown): ApiErrorCode | undefined {
  const code = graphQLErrors(error)[0]?.extensions?.code;
  return typeof code === 'string' ? code : undefined;
}

/** `extensions.reason` of an UNAUTHENTICATED error: NO_SESSION, SESSION_EXPIRED, SESSION_INVALID. */
export function unauthenticatedReason(error: unknown): string | undefined {
  const reason = findGraphQLError(error, 'UNAUTHENTICATED')?.extensions?.reason;
  return typeof reason === 'string' ? reason : undefined;
}

export function isUnauthenticated(error: unknown): boolean {
  return findGraphQLError(error, 'UNAUTHENTICATED') !== undefined;
}

const FORBIDDEN_MESSAGE = 'Your role does not give access to the admin dashboard.';

/** A sentence a person can read: the API's own message for GraphQL errors, a plain one otherwise. */
export function describeError(error: unknown): string {
  if (CombinedGraphQLErrors.is(error)) {
    if (errorCode(error) === 'FORBIDDEN') return FORBIDDEN_MESSAGE;
    return error.errors[0]?.message ?? 'The server could not complete the request.';
  }
  if (typeof navigator !== 'undefined' && navigator.onLine === false) {
    return 'You appear to be offline. Check your connection and try again.';
  }
  return 'Could not reach the server. Check your connection and try again.';
}
