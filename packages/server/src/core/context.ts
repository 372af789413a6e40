import type { IncomingHttpHeaders } from 'node:http';
import type { DataSource } from 'typeorm';
import type { RosterConfig } from './config.js';
import type { EventBus } from './events.js';
import type { Metrics } from './metrics.js';
import type { OutboundHttp } from './http/outbound-http.js';
import type { UpstreamOwnership } from './upstream-ownership.js';
import type { Viewer } from './viewer.js';

/**
 * Long-lived services shared by every request. The ground floor names only its own; each feature adds its
 * services in its index.ts by declaration merging (`declare module '../core/context.js' { interface Services
 * { ... } }`), and the roof (app/services.ts) builds the object. So the type is whole, and core names no feature.
 */
export interface Services {
  config: RosterConfig;
  dataSource: DataSource;
  /** Account events after commit: live subscriptions and workers' wake-ups (Redis between instances when configured). */
  events: EventBus;
  /** The one client for calls to other servers (vendors, webhooks, the email provider): guarded, with deadlines. */
  outbound: OutboundHttp;
  /** Which integration owns a group's name and members (edits of those are refused; see upstream-ownership.ts). */
  upstreamOwnership: UpstreamOwnership;
  /** This instance's Prometheus metrics: features define and record theirs through it (see core/metrics.ts). */
  metrics: Metrics;
}

/**
 * Per-request batch loaders of one account (a list page costs one query per relation, whatever its size, and
 * an id from another account loads nothing). Each feature adds its loaders in its index.ts, like Services.
 */
export interface Loaders {}

/** What every resolver and REST route receives. The viewer is resolved lazily, once, on first use. */
export interface RequestContext {
  readonly services: Services;
  /** The session cookie's (or connectionParams') token; live subscriptions look it up again for each event. */
  readonly sessionToken: string | undefined;
  /** The request's Authorization header: when present, the caller is an API key and the cookie is ignored. */
  readonly authorization?: string;
  /** Closes this subscription's WebSocket when the person may no longer see its events (see realtime/live-access.ts). */
  onLiveAccessEnded: ((code: number, reason: string) => void) | null;
  viewer(): Promise<Viewer>;
  /** The viewer, who must administer the current account. */
  admin(): Promise<Viewer>;
  /** Loaders of the current account; the viewer must have been resolved first. */
  loaders(viewer: Viewer): Loaders;
  /** Forgets batched loads, so a long-lived subscription reads fresh relations for each event. */
  resetLoaders(): void;
  /** Replaces the viewer after sign-in or an account switch within this request. */
  useViewer(viewer: Viewer): void;
  setSessionCookie(token: string): void;
  clearSessionCookie(): void;
}

/** The REST request a context is made for: its headers, and where a renewed session cookie is written. */
export interface RestExchange {
  req: { headers: IncomingHttpHeaders };
  res: { append(field: string, value: string): unknown };
}

/**
 * Builds the context of a REST request (the roof knows how): from its session cookie, and from its API key too
 * unless `apiKeys` is false (such routes ignore the Authorization header).
 */
export type RestContextFactory = (exchange: RestExchange, options?: { apiKeys?: boolean }) => RequestContext;
