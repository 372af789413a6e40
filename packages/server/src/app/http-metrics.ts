import { createHash, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ApolloServerPlugin, BaseContext, GraphQLRequestListener } from '@apollo/server';
import type { Express, NextFunction, Request, RequestHandler, Response } from 'express';
import type { Counter, Gauge, Histogram } from 'prom-client';
import type { WebSocketServer } from 'ws';
import type { RosterConfig } from '../core/config.js';
import type { Metrics } from '../core/metrics.js';

/** Distinct GraphQL operation names given a label of their own per instance; later new names count as `other`. */
export const MAX_OPERATION_LABELS = 200;
const MAX_OPERATION_NAME_LENGTH = 100;

/** What the GraphQL plugin learns about the request being timed: the operations it resolved. */
export interface GraphQLRequestLabel {
  operations: string[];
}

/** The request context of a GraphQL request over HTTP carries its label (see `graphqlScope`); WebSocket ones have none. */
export interface LabelledContext {
  metricsLabel?: GraphQLRequestLabel | null;
}

/** Whether /metrics is served at all (a token or a port of its own is configured). */
export function metricsServed(config: Pick<RosterConfig, 'metricsToken' | 'metricsPort'>): boolean {
  return config.metricsToken !== null || config.metricsPort !== null;
}

/**
 * The HTTP side of the metrics: request durations by GraphQL operation name (a route for everything else), GraphQL
 * errors by code, and open WebSockets. Operation names are chosen by clients, so only the first
 * MAX_OPERATION_LABELS names seen (of operations that parsed and validated) get a label; the rest count as `other`.
 */
export class HttpMetrics {
  private readonly durations: Histogram<'operation' | 'status'>;
  private readonly errors: Counter<'code'>;
  private readonly sockets: Gauge;
  private readonly operationNames = new Set<string>();
  private readonly graphqlRequests = new WeakMap<Response, GraphQLRequestLabel>();

  constructor(metrics: Metrics) {
    this.durations = metrics.histogram({
      name: 'roster_http_request_duration_seconds',
      help:
        'HTTP requests by operation (the GraphQL operation name; anonymous, batch, other or unresolved; the route for other paths) ' +
        'and status class, from arrival to the end of the answer, in seconds.',
      labelNames: ['operation', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    });
    this.errors = metrics.counter({
      name: 'roster_graphql_errors_total',
      help: 'Errors in GraphQL answers over HTTP, by extensions.code (one request may carry several).',
      labelNames: ['code'],
    });
    this.sockets = metrics.gauge({ name: 'roster_live_sockets', help: 'Open WebSocket connections (live subscriptions) on /graphql.' });
  }

  /** The first middleware: times every request, and labels it when its answer is over. */
  readonly timeRequests: RequestHandler = (req, res, next) => {
    timings.set(res, { metrics: this, req, started: process.hrtime.bigint() });
    // On 'finish' (the answer is written), or 'close' when the client went away before; observed once. One listener
    // shared by every response (it reads the response it is called on), not two closures per request.
    res.on('finish', observeResponse);
    res.on('close', observeResponse);
    next();
  };

  /** The duration of a response timed by `timeRequests`, under its operation and status class. */
  observeDuration(req: Request, res: Response, seconds: number): void {
    this.durations.observe({ operation: this.operationOf(req, res), status: `${Math.floor(res.statusCode / 100)}xx` }, seconds);
  }

  /**
   * Mounted on /graphql: marks the request as GraphQL and opens its label, which the request context carries
   * (`labelOf` gives it to the context factory) so the plugin can name the operations. Passed through the context
   * rather than an AsyncLocalStorage: each store costs every promise of every request a hook.
   */
  readonly graphqlScope = (_req: Request, res: Response, next: NextFunction): void => {
    this.graphqlRequests.set(res, { operations: [] });
    next();
  };

  /** The label `graphqlScope` opened for this response, for its request context. */
  labelOf(res: Response): GraphQLRequestLabel | null {
    return this.graphqlRequests.get(res) ?? null;
  }

  /** Names the operations of the request being timed and counts the errors of each answer by code. */
  graphqlPlugin(): ApolloServerPlugin {
    // One listener for every request: it keeps nothing of its own between hooks.
    const listener: GraphQLRequestListener<BaseContext> = {
      didResolveOperation: async ({ operation, contextValue }) => {
        (contextValue as LabelledContext).metricsLabel?.operations.push(this.operationLabel(operation?.name?.value));
      },
      willSendResponse: async ({ response }) => {
        if (response.body.kind !== 'single') return;
        for (const error of response.body.singleResult.errors ?? []) this.errors.inc({ code: codeLabel(error.extensions?.code) });
      },
    };
    return { requestDidStart: async () => listener };
  }

  /** Counts the WebSockets open on the server, from the upgrade to the close. */
  trackSockets(wsServer: WebSocketServer): void {
    wsServer.on('connection', (socket) => {
      this.sockets.inc();
      socket.once('close', () => this.sockets.dec());
    });
  }

  private operationOf(req: Request, res: Response): string {
    const graphql = this.graphqlRequests.get(res);
    if (graphql) {
      if (graphql.operations.length === 0) return 'unresolved';
      return graphql.operations.length === 1 ? graphql.operations[0]! : 'batch';
    }
    if (req.route && typeof req.route.path === 'string') return `${req.baseUrl}${req.route.path}`;
    // Refused before the scope opened (a body that is not JSON, too large): still a GraphQL request.
    if (req.originalUrl.startsWith('/graphql')) return 'unresolved';
    if (req.originalUrl.startsWith('/assets/')) return '/assets/*';
    return 'other';
  }

  private operationLabel(name: string | undefined): string {
    if (!name) return 'anonymous';
    if (this.operationNames.has(name)) return name;
    if (name.length > MAX_OPERATION_NAME_LENGTH || this.operationNames.size >= MAX_OPERATION_LABELS) return 'other';
    this.operationNames.add(name);
    return name;
  }
}

/** Responses being timed: removed once observed. */
const timings = new WeakMap<Response, { metrics: HttpMetrics; req: Request; started: bigint }>();

/** The 'finish' and 'close' listener of every timed response (`this` is the response). */
function observeResponse(this: Response): void {
  const timing = timings.get(this);
  if (!timing) return;
  timings.delete(this);
  timing.metrics.observeDuration(timing.req, this, Number(process.hrtime.bigint() - timing.started) / 1e9);
}

/** Error codes are Roster's own (core/errors.ts) or Apollo's; anything else is bucketed, never used as a label. */
function codeLabel(code: unknown): string {
  if (typeof code !== 'string') return 'NONE';
  return /^[A-Z][A-Z0-9_]{0,63}$/.test(code) ? code : 'OTHER';
}

/**
 * GET /metrics on the main port: with METRICS_TOKEN and no METRICS_PORT, served to `Authorization: Bearer <token>`
 * (401 otherwise); in every other case not found there.
 */
export function mountMetricsRoute(app: Express, metrics: Metrics, config: RosterConfig): void {
  app.get('/metrics', (req, res) => {
    if (config.metricsPort !== null || config.metricsToken === null) {
      res.status(404).type('text/plain').send('Not found.');
      return;
    }
    void answerMetrics(metrics, config.metricsToken, req.headers.authorization, res);
  });
}

/** With METRICS_PORT: a server of its own that answers only GET /metrics (asking for METRICS_TOKEN too when set). */
export async function startMetricsServer(metrics: Metrics, config: RosterConfig): Promise<{ port: number; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found.');
      return;
    }
    void answerMetrics(metrics, config.metricsToken, req.headers.authorization, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.metricsPort ?? 0, config.host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function answerMetrics(metrics: Metrics, token: string | null, authorization: string | undefined, res: http.ServerResponse) {
  if (token !== null && !bearerMatches(authorization, token)) {
    res
      .writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': 'Bearer realm="metrics"' })
      .end('A valid metrics token is required.');
    return;
  }
  try {
    const body = await metrics.render();
    res.writeHead(200, { 'content-type': metrics.contentType, 'cache-control': 'no-store' }).end(body);
  } catch {
    res.writeHead(500, { 'content-type': 'text/plain' }).end('The metrics could not be collected.');
  }
}

/** Compares digests in constant time, so the token's length and content do not leak through timing. */
function bearerMatches(authorization: string | undefined, token: string): boolean {
  const given = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
  if (!given) return false;
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(given), digest(token));
}
