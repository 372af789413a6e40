import type { ApiKeyLookup } from '../auth/api-keys/api-key.service.js';
import { clearSessionCookie, serializeSessionCookie } from '../auth/cookies.js';
import type { SessionLookup } from '../auth/session.service.js';
import type { Loaders, RequestContext, Services } from '../core/context.js';
import { forbidden, unauthenticated } from '../core/errors.js';
import { isAdministrator, type Viewer } from '../core/viewer.js';
import { noteActor, type RequestScope } from '../core/request-scope.js';
import { createLoaders } from './loaders.js';
import type { GraphQLRequestLabel } from './http-metrics.js';

/** The request context of GraphQL (HTTP and WebSocket) and REST requests: a session cookie or an API key. */
export class CredentialsRequestContext implements RequestContext {
  private viewerPromise: Promise<Viewer> | null = null;
  private loadersFor: { accountId: string; loaders: Loaders } | null = null;
  /** The rate limiter's lookup of this request's credentials (it verifies them first), reused so they are looked up once. */
  verifiedCredentials: Promise<SessionLookup> | Promise<ApiKeyLookup> | null = null;
  /** Closes this subscription's WebSocket when the person may no longer see its events (see realtime/live-access.ts). */
  onLiveAccessEnded: ((code: number, reason: string) => void) | null = null;
  /** The HTTP request's log scope: told who made the request once the credentials are verified. */
  requestScope: RequestScope | null = null;
  /** The HTTP metrics' label of a GraphQL request over HTTP: the operations it ran (app/http-metrics.ts). */
  metricsLabel: GraphQLRequestLabel | null = null;

  constructor(
    readonly services: Services,
    /** The session cookie's (or connectionParams') token; live subscriptions look it up again for each event. */
    readonly sessionToken: string | undefined,
    /** Adds a Set-Cookie header to the response; absent on WebSocket requests. */
    private readonly setCookieHeader: ((value: string) => void) | null,
    /** The request's Authorization header: when present, the caller is an API key and the cookie is ignored. */
    readonly authorization?: string,
  ) {}

  viewer(): Promise<Viewer> {
    if (this.authorization !== undefined) {
      this.viewerPromise ??= (
        (this.verifiedCredentials as Promise<ApiKeyLookup> | null) ?? this.services.apiKeys.authenticate(this.authorization)
      ).then((result) => {
        if (!result.viewer) throw unauthenticated(result.reason);
        noteActor(this.requestScope, 'api_key', result.viewer.accountId);
        return result.viewer;
      });
      return this.viewerPromise;
    }
    this.viewerPromise ??= (
      (this.verifiedCredentials as Promise<SessionLookup> | null) ?? this.services.sessions.lookup(this.sessionToken)
    ).then((result) => {
      if (!result.viewer) throw unauthenticated(result.reason);
      if (result.renewedToken) this.setSessionCookie(result.renewedToken);
      noteActor(this.requestScope, 'session', result.viewer.accountId);
      return result.viewer;
    });
    return this.viewerPromise;
  }

  /** The viewer, who must administer the current account. */
  async admin(): Promise<Viewer> {
    const viewer = await this.viewer();
    if (!isAdministrator(viewer.role)) throw forbidden('Your role does not give access to the admin dashboard.', { requiredRole: 'ADMIN' });
    return viewer;
  }

  /** Loaders of the current account; the viewer must have been resolved first. */
  loaders(viewer: Viewer): Loaders {
    if (this.loadersFor?.accountId !== viewer.accountId) {
      this.loadersFor = { accountId: viewer.accountId, loaders: createLoaders(this.services.dataSource, viewer.accountId) };
    }
    return this.loadersFor.loaders;
  }

  /** Forgets batched loads, so a long-lived subscription reads fresh relations for each event. */
  resetLoaders(): void {
    this.loadersFor = null;
  }

  /** Replaces the viewer after sign-in or an account switch within this request. */
  useViewer(viewer: Viewer): void {
    noteActor(this.requestScope, viewer.apiKey ? 'api_key' : 'session', viewer.accountId);
    this.viewerPromise = Promise.resolve(viewer);
  }

  setSessionCookie(token: string): void {
    this.setCookieHeader?.(
      serializeSessionCookie(token, {
        maxAgeSeconds: this.services.sessions.ttlSeconds,
        secure: this.services.config.publicUrl.startsWith('https:'),
      }),
    );
  }

  clearSessionCookie(): void {
    this.setCookieHeader?.(clearSessionCookie(this.services.config.publicUrl.startsWith('https:')));
  }
}
