import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../core/logger.js';
import { requestIdFrom, runInScope, setRequestScope, type RequestScope } from '../core/request-scope.js';

/** Probes call these every few seconds: their lines would drown the rest, so they are not logged. */
const PROBES = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * The first Express middleware: gives the request its id (a sane incoming `X-Request-Id`, else a new one),
 * returns it in the `X-Request-Id` header, opens the request scope (log lines written while serving carry
 * the id), and writes one line when the response is done: method, route (the route's pattern, never the
 * raw path: an invitation link's path holds its token), GraphQL operation, status, duration, who asked.
 * No header, body, query string or variable is ever logged.
 */
export function requestLogging(logger: Logger) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const started = process.hrtime.bigint();
    // Read now: routers mounted under a prefix rewrite req.url while they serve.
    const path = req.path;
    const scope: RequestScope = { requestId: requestIdFrom(req.get('x-request-id')), actor: 'anonymous', accountId: null };
    setRequestScope(res, scope);
    res.setHeader('X-Request-Id', scope.requestId);
    res.once('close', () => {
      if (PROBES.has(path) || logger.isEnabled?.('info') === false) return;
      const route = routeOf(req, path);
      logger.info(`${req.method} ${route} ${res.statusCode}`, {
        requestId: scope.requestId,
        method: req.method,
        route,
        ...(route === '/graphql' ? { operation: operationOf(req.body) } : {}),
        status: res.statusCode,
        ...(res.writableFinished ? {} : { aborted: true }),
        durationMs: Math.round(Number(process.hrtime.bigint() - started) / 10_000) / 100,
        actor: scope.actor,
        accountId: scope.accountId,
      });
    });
    runInScope(scope, next);
  };
}

function routeOf(req: Request, path: string): string {
  if (path === '/graphql') return '/graphql';
  const pattern = (req.route as { path?: unknown } | undefined)?.path;
  if (typeof pattern === 'string') return `${req.baseUrl}${pattern}`;
  // Static files, the dashboard's routes and 404s: no pattern, and the path may hold a token.
  return path.startsWith('/assets/') ? '/assets/*' : '*';
}

/** The operation name(s) of a GraphQL request body (a batch: comma-separated), from the name sent or the document. */
export function operationOf(body: unknown): string {
  const one = (item: unknown): string => {
    if (!item || typeof item !== 'object') return '(none)';
    const { operationName, query } = item as { operationName?: unknown; query?: unknown };
    if (typeof operationName === 'string' && /^\w{1,100}$/.test(operationName)) return operationName;
    const named = typeof query === 'string' ? /^\s*(?:query|mutation|subscription)\s+(\w{1,100})/.exec(query) : null;
    return named?.[1] ?? '(anonymous)';
  };
  return Array.isArray(body) ? body.slice(0, 10).map(one).join(',') : one(body);
}
