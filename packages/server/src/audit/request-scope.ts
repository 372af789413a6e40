import { AsyncLocalStorage } from 'node:async_hooks';
import type { NextFunction, Request, Response } from 'express';

interface RequestScope {
  /** The client's address as Express sees it (`trust proxy` decides whether X-Forwarded-For counts). */
  ip: string | null;
  /** The client's User-Agent header (sessions record it to name the device), cut to 512 characters; null when absent. */
  userAgent?: string | null;
}

const scope = new AsyncLocalStorage<RequestScope>();

/**
 * Express middleware that opens a request scope for what runs after it (GraphQL execution), so the audit
 * trail can record the caller's IP without every service passing it along. Mounted after the body parser:
 * work continued from stream callbacks would lose the scope, work continued from `next()` keeps it.
 */
export function withRequestScope(req: Request, _res: Response, next: NextFunction): void {
  scope.run({ ip: normaliseIp(req.ip), userAgent: req.get('user-agent')?.slice(0, 512) ?? null }, next);
}

/** The IP of the request being served (/graphql and SCIM open a scope), or null outside one (workers, syncs). */
export function currentRequestIp(): string | null {
  return scope.getStore()?.ip ?? null;
}

/** The User-Agent of the request being served, or null outside a request scope or without the header. */
export function currentRequestUserAgent(): string | null {
  return scope.getStore()?.userAgent ?? null;
}

/** Runs `work` as if serving a request from `ip` (tests, and routes outside /graphql that want their IP audited). */
export function runInRequestScope<T>(ip: string | null, work: () => T): T {
  return scope.run({ ip: normaliseIp(ip ?? undefined) }, work);
}

/** `::ffff:10.0.0.1` is how Node shows IPv4 peers on a dual-stack socket; people read `10.0.0.1`. */
function normaliseIp(ip: string | undefined): string | null {
  if (!ip) return null;
  return (ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip).slice(0, 45);
}
