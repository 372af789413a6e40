import type express from 'express';
import { GraphQLError } from 'graphql';
import { DATABASE_BUSY_RETRY_AFTER_SECONDS, databaseBusy, isDatabaseBusy } from '../errors.js';

const STATUS_BY_CODE: Record<string, number> = { UNAUTHENTICATED: 401, FORBIDDEN: 403, NOT_FOUND: 404, BAD_USER_INPUT: 400 };

/**
 * Answers a plain HTTP route (CSV upload and downloads beside GraphQL) with the same error codes GraphQL
 * uses: `{ error: { code, message } }`, 503 with Retry-After when the database is busy, 500 without details.
 */
export function sendError(res: express.Response, error: unknown): void {
  if (isDatabaseBusy(error)) {
    const busy = databaseBusy();
    res
      .status(503)
      .set('Retry-After', String(DATABASE_BUSY_RETRY_AFTER_SECONDS))
      .json({ error: { code: busy.extensions.code, message: busy.message } });
    return;
  }
  if (error instanceof GraphQLError) {
    const code = String(error.extensions.code ?? 'BAD_REQUEST');
    res
      .status(STATUS_BY_CODE[code] ?? 400)
      .json({ error: { code, message: error.message, ...(error.extensions.reason ? { reason: error.extensions.reason } : {}) } });
    return;
  }
  res.status(500).json({ error: { code: 'INTERNAL_SERVER_ERROR', message: 'Something went wrong on our side. Please try again.' } });
}
