import type { GraphQLFormattedError } from 'graphql';
import { ErrorCode } from '../../core/errors.js';

/**
 * Gives the errors Apollo raises before execution a code a client can act on:
 * - Apollo reports every validation error as GRAPHQL_VALIDATION_FAILED, overwriting the code; a query-limit
 *   refusal keeps QUERY_TOO_COMPLEX, because "ask for less" is handled differently from "fix the query";
 * - an automatic persisted query whose hash does not match its text comes without a code (so it would read
 *   as INTERNAL_SERVER_ERROR and be masked): it is the client's input at fault.
 */
export function stableErrorCode(formatted: GraphQLFormattedError): GraphQLFormattedError {
  const ext = formatted.extensions ?? {};
  if (typeof ext.limit === 'string' && typeof ext.max === 'number' && ext.code === 'GRAPHQL_VALIDATION_FAILED') {
    return { ...formatted, extensions: { ...ext, code: ErrorCode.QUERY_TOO_COMPLEX } };
  }
  if (ext.code === ErrorCode.INTERNAL_SERVER_ERROR && formatted.message === 'provided sha does not match query') {
    return {
      message: 'The persisted query hash does not match the query text: send the SHA-256 of exactly this query.',
      extensions: { code: ErrorCode.BAD_USER_INPUT, field: 'extensions.persistedQuery.sha256Hash' },
    };
  }
  return formatted;
}
