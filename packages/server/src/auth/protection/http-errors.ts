import type { NextFunction, Request, Response } from 'express';
import { ErrorCode } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';

const GRAPHQL_RESPONSE = 'application/graphql-response+json';

/**
 * Answers a request refused before GraphQL runs (rate limit, oversized batch) in the GraphQL-over-HTTP shape:
 * a JSON body with `errors`, in the media type the client accepts.
 */
export function sendGraphQLHttpError(
  req: Request,
  res: Response,
  status: number,
  message: string,
  extensions: Record<string, unknown>,
): void {
  const type = req.accepts(['application/json', GRAPHQL_RESPONSE]) === GRAPHQL_RESPONSE ? GRAPHQL_RESPONSE : 'application/json';
  res
    .status(status)
    .type(`${type}; charset=utf-8`)
    .send(JSON.stringify({ errors: [{ message, extensions }] }));
}

/** Batched requests (a JSON array of operations) are allowed up to a small size; Apollo Client batches about 10. */
export const MAX_BATCH_OPERATIONS = 10;

export function limitBatchSize(max = MAX_BATCH_OPERATIONS) {
  return (req: Request, res: Response, next: NextFunction) => {
    if (Array.isArray(req.body) && (req.body.length > max || req.body.length === 0)) {
      sendGraphQLHttpError(
        req,
        res,
        400,
        `A batched request may hold 1 to ${max} operations; this one has ${req.body.length}. Send them in several requests.`,
        {
          code: ErrorCode.BATCH_TOO_LARGE,
          max,
        },
      );
      return;
    }
    next();
  };
}

/** Why a client's request was refused, in words for the client, by body-parser's error type. */
const CLIENT_ERROR_MESSAGES: Record<string, string> = {
  'entity.parse.failed': 'The request body is not valid JSON.',
  'entity.too.large': 'The request body is too large.',
  'encoding.unsupported': 'The request body has an unsupported encoding.',
  'charset.unsupported': 'The request body has an unsupported charset.',
  'request.aborted': 'The request was aborted before its body was received.',
};

interface HttpError {
  status?: number;
  statusCode?: number;
  type?: string;
  expose?: boolean;
  message?: string;
}

/**
 * The last Express middleware: a request the client got wrong (malformed JSON, a body over the limit) is
 * answered with its 4xx status and a short message, and logged as one line at info (method, path, status,
 * reason), never as a stack trace: anyone can send those, so they must not flood the error log. Anything
 * else is a bug: logged with its stack at error, answered 500 without details. Clients never see a stack.
 */
export function clientErrorHandler(logger: Logger) {
  return (error: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(error);
    const httpError = (error ?? {}) as HttpError;
    const status = httpError.status ?? httpError.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      const message =
        (httpError.type && CLIENT_ERROR_MESSAGES[httpError.type]) ??
        (httpError.expose && httpError.message ? httpError.message : 'The request is not valid.');
      const reason = httpError.type ?? firstLine(httpError.message) ?? 'client error';
      logger.info(`${req.method} ${req.path} ${status} ${reason}`);
      if (req.path.startsWith('/graphql')) return sendGraphQLHttpError(req, res, status, message, { code: ErrorCode.BAD_REQUEST });
      res.status(status).json({ error: { code: ErrorCode.BAD_REQUEST, message } });
      return;
    }
    logger.error(`Unexpected error while serving ${req.method} ${req.path}`, error);
    res
      .status(500)
      .json({ error: { code: ErrorCode.INTERNAL_SERVER_ERROR, message: 'Something went wrong on our side. Please try again.' } });
  };
}

function firstLine(text: string | undefined): string | undefined {
  return text?.split('\n', 1)[0]?.slice(0, 200);
}
