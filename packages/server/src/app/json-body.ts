import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';

/** The content types a GraphQL client sends its JSON with, as sent (other spellings take body-parser's path). */
const PLAIN_JSON = new Set(['application/json', 'application/json; charset=utf-8', 'application/json;charset=utf-8']);
/** What body-parser's strict mode accepts first: an object or an array. */
const FIRST_NON_WHITESPACE = /[^\x20\x09\x0a\x0d]/;

/** A client error as body-parser shapes it: the status and `type` clientErrorHandler answers and logs by. */
function clientError(status: number, message: string, type: string, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(message), { status, statusCode: status, expose: true, type, ...extra });
}

/**
 * `express.json({ limit })`, with a short path for the common request: `application/json` (UTF-8), no content
 * encoding, a Content-Length within the limit. Such a body is read in chunks, decoded as UTF-8 (a byte order mark
 * dropped) and parsed under body-parser's strict rule (an object or an array), and its failures carry body-parser's
 * statuses and types (`entity.parse.failed`, `request.aborted`, `request.size.invalid`), which `clientErrorHandler`
 * answers by. Everything else (compressed or chunked bodies, other charsets or types, an empty or too large body)
 * goes to body-parser itself. Why hand-written: on /graphql, the busiest route, body-parser's content-type and charset
 * parsing, decoder and stream bookkeeping were a visible share of each request's CPU (bench:read's profile).
 */
export function jsonBody(limitBytes: number): RequestHandler {
  const general = express.json({ limit: limitBytes });
  return (req: Request, res: Response, next: NextFunction) => {
    const { headers } = req;
    const length = headers['content-length'];
    const size = length !== undefined && /^\d{1,10}$/.test(length) ? Number(length) : NaN;
    if (
      !(size > 0 && size <= limitBytes) ||
      headers['transfer-encoding'] !== undefined ||
      headers['content-encoding'] !== undefined ||
      !PLAIN_JSON.has(headers['content-type']?.toLowerCase() ?? '') ||
      req.complete ||
      req.body !== undefined
    ) {
      general(req, res, next);
      return;
    }
    req.body = undefined;
    const chunks: Buffer[] = [];
    let received = 0;
    let settled = false;
    const finish = (error: Error | null) => {
      if (settled) return;
      settled = true;
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('aborted', onAborted);
      req.off('close', onClose);
      req.off('error', onError);
      if (error) {
        next(error);
        return;
      }
      if (received !== size) {
        next(clientError(400, 'request size did not match content length', 'request.size.invalid', { expected: size, received }));
        return;
      }
      let text = chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks, received).toString('utf8');
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      if (text.length === 0) {
        req.body = {};
        next();
        return;
      }
      const first = FIRST_NON_WHITESPACE.exec(text)?.[0];
      if (first !== '{' && first !== '[') {
        next(clientError(400, `Unexpected token ${first ?? 'end of input'} in JSON`, 'entity.parse.failed', { body: text }));
        return;
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch (error) {
        next(clientError(400, (error as Error).message, 'entity.parse.failed', { body: text }));
        return;
      }
      req.body = parsed;
      next();
    };
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      chunks.push(chunk);
    };
    const onEnd = () => finish(null);
    const aborted = () => clientError(400, 'request aborted', 'request.aborted', { code: 'ECONNABORTED', expected: size, received });
    const onAborted = () => finish(aborted());
    const onClose = () => finish(aborted());
    // As body-parser answers a failing stream: the stream's own error, as a 400 the client may read.
    const onError = (error: Error) => finish(Object.assign(error, { status: 400, statusCode: 400, expose: true }));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('aborted', onAborted);
    req.on('close', onClose);
    req.on('error', onError);
  };
}
