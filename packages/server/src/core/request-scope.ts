import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

/** Who made a request, as its log line names it. */
export type ActorKind = 'session' | 'api_key' | 'scim' | 'anonymous';

/**
 * What the log lines of one request share: its id (returned in `X-Request-Id`) and, once its credentials are
 * verified, who made it. Log lines written while serving the request carry the id by themselves (the logger
 * reads the scope); work the request queues for a background worker (imports, sync runs) stores the id and
 * that worker's lines carry it too.
 */
export interface RequestScope {
  requestId: string;
  actor: ActorKind;
  accountId: string | null;
  /** The GraphQL operation name(s) of the request, for its log line. */
  operation?: string;
}

const storage = new AsyncLocalStorage<RequestScope>();

/** An incoming id is kept when it is a short token (a proxy's or client's id); anything else is replaced. */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestIdFrom(header: string | undefined): string {
  return header !== undefined && SANE_REQUEST_ID.test(header) ? header : randomUUID();
}

/** Runs `work` in `scope`: log lines written meanwhile carry its request id. */
export function runInScope<T>(scope: RequestScope, work: () => T): T {
  return storage.run(scope, work);
}

/** Runs `work` as part of the request `requestId` (a background job a request queued); no id: outside any request. */
export function runForRequest<T>(requestId: string | null | undefined, work: () => T): T {
  if (!requestId) return storage.exit(work);
  return storage.run({ requestId, actor: 'anonymous', accountId: null }, work);
}

/**
 * Runs `work` outside any request scope. Background loops start their passes with it: a pass a request
 * nudged would otherwise inherit that request's id, and so would every job of the pass.
 */
export function outsideRequests<T>(work: () => T): T {
  return storage.exit(work);
}

/** The scope being served, if any (requests; background work started by a request). */
export function currentScope(): RequestScope | undefined {
  return storage.getStore();
}

/** The id of the request being served (or that started this background work), or null. */
export function currentRequestId(): string | null {
  return storage.getStore()?.requestId ?? null;
}

interface WithLocals {
  locals: Record<string, unknown>;
}

/** The scope the request logging middleware opened for this response (see app/request-log.ts). */
export function requestScopeOf(res: object): RequestScope | undefined {
  return (res as Partial<WithLocals>).locals?.requestScope as RequestScope | undefined;
}

export function setRequestScope(res: WithLocals, scope: RequestScope): void {
  res.locals.requestScope = scope;
}

/** Records who made the request, once its credentials are verified (its log line names them). */
export function noteActor(scope: RequestScope | null | undefined, actor: ActorKind, accountId: string): void {
  if (!scope) return;
  scope.actor = actor;
  scope.accountId = accountId;
}

/**
 * Express middleware that enters the request's scope again. Mounted after a body parser: work continued from
 * the body stream's callbacks lost the scope the request logging middleware opened.
 */
export function reenterRequestScope(_req: unknown, res: WithLocals, next: () => void): void {
  const scope = requestScopeOf(res);
  if (scope) storage.run(scope, next);
  else next();
}
