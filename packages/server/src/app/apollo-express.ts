import { parse as urlParse } from 'node:url';
import { HeaderMap, type ApolloServer, type BaseContext } from '@apollo/server';
import type { Request, RequestHandler, Response } from 'express';

/** The content types Apollo answers a complete (not incremental) response with, already carrying their charset. */
const JSON_TYPES = new Set(['application/json; charset=utf-8', 'application/graphql-response+json; charset=utf-8']);

/**
 * Apollo Server on an Express route: what `expressMiddleware` of @as-integrations/express5 does, request for request.
 * Why hand-written: on the hottest path (every GraphQL request over HTTP) that adapter parses the URL with the legacy
 * `url.parse` only to find a query string Apollo reads for GET, and answers through Express's `res.send`, which
 * parses the content type again, copies the whole JSON answer into a Buffer to measure it, and checks freshness.
 * Here the URL is parsed only when it has a query string, and a complete JSON answer to a POST (never fresh, never
 * 204/304) is measured and written as it is; every other answer (GET, HEAD, other statuses or types) still goes
 * through `res.send`, so its headers are the same as before.
 */
export function apolloExpressMiddleware<TContext extends BaseContext>(
  server: ApolloServer<TContext>,
  context: (exchange: { req: Request; res: Response }) => Promise<TContext>,
): RequestHandler {
  server.assertStarted('apolloExpressMiddleware()');
  return async (req, res) => {
    if (!('body' in req)) {
      res.status(500);
      res.send(
        '`req.body` is not set; this probably means you forgot to set up the `json` middleware before the Apollo Server middleware.',
      );
      return;
    }
    const headers = new HeaderMap();
    for (const key in req.headers) {
      const value = req.headers[key];
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    }
    const response = await server.executeHTTPGraphQLRequest({
      httpGraphQLRequest: {
        method: req.method.toUpperCase(),
        headers,
        search: req.url.includes('?') ? (urlParse(req.url).search ?? '') : '',
        body: req.body,
      },
      context: () => context({ req, res }),
    });
    for (const [key, value] of response.headers) res.setHeader(key, value);
    res.statusCode = response.status || 200;
    if (response.body.kind === 'complete') {
      const body = response.body.string;
      if (req.method === 'POST' && res.statusCode !== 204 && res.statusCode !== 205 && res.statusCode !== 304) {
        const type = res.getHeader('content-type');
        if (typeof type === 'string' && JSON_TYPES.has(type)) {
          res.setHeader('Content-Type', type);
          res.setHeader('Content-Length', String(Buffer.byteLength(body)));
          res.end(body);
          return;
        }
      }
      res.send(body);
      return;
    }
    for await (const chunk of response.body.asyncIterator) {
      res.write(chunk);
      const flushable = res as Response & { flush?: () => void };
      if (typeof flushable.flush === 'function') flushable.flush();
    }
    res.end();
  };
}
