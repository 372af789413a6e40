import type { NextFunction, Request, Response } from 'express';
import { ErrorCode } from '../../app/errors.js';

const GRAPHQL_RESPONSE = 'application/graphql-response+json';

/**
 * Answers a request refused before GraphQL runs (rate limit, oversized batch) in the GraphQL-over-HTTP shape:
 * a JSON body with `errors`, in the media type the client accepts.
 */
export function sendGraphQLHttpError(req: Request, res: Response, status: number, message: string, extensions: Record<string, unknown>): void {
  const type = req.accepts(['application/json', GRAPHQL_RESPONSE]) === GRAPHQL_RESPONSE ? GRAPHQL_RESPONSE : 'application/json';
  res.status(status).type(`${type}; charset=utf-8`).send(JSON.stringify({ errors: [{ message, extensions }] }));
}

/** Batched requests (a JSON array of operations) are allowed up to a small size; Apollo Client batches about 10. */
export const MAX_BATCH_OPERATIONS = 10;

export function limitBatchSize(max = MAX_BATCH_OPERATIONS) {
  return (req: Request, res: Response, next: NextFunction) => {
    if (Array.isArray(req.body) && (req.body.length > max || req.body.length === 0)) {
      sendGraphQLHttpError(req, res, 400, `A batched request may hold 1 to ${max} operations; this one has ${req.body.length}. Send them in several requests.`, {
        code: ErrorCode.BATCH_TOO_LARGE,
        max,
      });
      return;
    }
    next();
  };
}
