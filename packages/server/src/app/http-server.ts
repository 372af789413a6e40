import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginLandingPageDisabled,
  ApolloServerPluginSchemaReportingDisabled,
  ApolloServerPluginUsageReportingDisabled,
} from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { unwrapResolverError } from '@apollo/server/errors';
import express from 'express';
import { getOperationAST, type GraphQLFormattedError, type GraphQLSchema } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { readCookie, SESSION_COOKIE } from '../auth/cookies.js';
import type { Logger } from '../core/logger.js';
import type { RequestContext, RestContextFactory, Services } from '../core/context.js';
import { CredentialsRequestContext } from './request-context.js';
import { databaseBusy, ErrorCode, isDatabaseBusy, unauthenticated } from '../core/errors.js';
import { printRosterSchema } from './print-schema.js';
import { applyResendEvent, type ResendEvent } from '../mail/resend-webhooks.js';
import { svixVerify } from '../mail/svix-signature.js';
import { mountImportRoutes } from '../imports/import.routes.js';
import { mountAuditRoutes } from '../audit/audit.routes.js';
import { withRequestScope } from '../audit/request-scope.js';
import { mountScimRoutes } from '../scim/scim.routes.js';
import { mountSsoRoutes, SSO_STARTS_PER_MINUTE_PER_IP } from '../auth/sso/sso.routes.js';
import { operationAccessPlugin, refusalFor } from '../auth/protection/operation-access.js';
import { QUERY_LIMITS, queryCostPlugin, queryLimitRules } from '../auth/protection/query-limits.js';
import { stableErrorCode } from '../auth/protection/stable-codes.js';
import { GraphQLRateLimiter, verifiedCredentialsOf } from '../auth/protection/rate-limit.js';
import { clientErrorHandler, limitBatchSize } from '../auth/protection/http-errors.js';
import { schemaHintsPlugin } from '../auth/protection/schema-hints.js';
import { SESSION_ENDED_CLOSE_CODE, socketClosedBecause } from '../realtime/live-access.js';
import { socketOriginAllowed } from '../realtime/socket-origin.js';
import { checkSocketDocument, type DocumentChecks } from '../realtime/socket-document.js';
import { subscribeLive } from '../realtime/live-hub.js';
import { attachLiveSocket } from '../realtime/live-socket.js';
import { SocketCredentialWatch, type SocketCredential } from '../realtime/socket-credentials.js';
import { HttpMetrics, mountMetricsRoute } from './http-metrics.js';
import { GraphQLExecutor } from './graphql-executor.js';
import { apolloExpressMiddleware } from './apollo-express.js';
import { chain } from './middleware-chain.js';
import { jsonBody } from './json-body.js';
import { mountHealthRoutes, type Readiness } from './health.js';
import { requestLogging } from './request-log.js';
import { reenterRequestScope, requestScopeOf } from '../core/request-scope.js';

export interface HttpServerHandle {
  server: http.Server;
  close(): Promise<void>;
}

/** One port: GraphQL over HTTP and WebSocket on /graphql, the SDL, the playground and the SPA. */
export interface HttpServerOptions {
  /** How often an open WebSocket's session is checked again; an ended or expired one closes the socket. */
  liveSessionCheckMs?: number;
  /** What /readyz answers (see health.ts). */
  readiness: Readiness;
}

export async function createHttpServer(
  schema: GraphQLSchema,
  services: Services,
  logger: Logger,
  options: HttpServerOptions,
): Promise<HttpServerHandle> {
  const { config } = services;
  const app = express();
  app.disable('x-powered-by');
  // GraphQL answers are not cached by ETag; hashing every response only costs time.
  app.set('etag', false);
  app.set('trust proxy', 'loopback');
  const server = http.createServer(app);
  // First of all: every request is timed for /metrics, by GraphQL operation name or route.
  const httpMetrics = new HttpMetrics(services.metrics);
  app.use(httpMetrics.timeRequests);

  // One set of document checks (token count, depth, cost, aliases, directives) for both transports.
  const documentChecks: DocumentChecks = { parseOptions: { maxTokens: QUERY_LIMITS.tokens }, rules: queryLimitRules() };
  const wsServer = new WebSocketServer({
    server,
    path: '/graphql',
    maxPayload: 1024 * 1024,
    // A page of another site must not open a socket with the admin's cookie: refused before the upgrade (403).
    verifyClient: ({ req }, accept) =>
      socketOriginAllowed(req, config.publicUrl, config.production) ? accept(true) : accept(false, 403, 'Forbidden'),
  });
  httpMetrics.trackSockets(wsServer);
  const socketToken = (ctx: { extra: { request: http.IncomingMessage }; connectionParams?: Readonly<Record<string, unknown>> }) => {
    const cookieToken = readCookie(ctx.extra.request.headers.cookie, SESSION_COOKIE);
    const paramToken = typeof ctx.connectionParams?.sessionToken === 'string' ? ctx.connectionParams.sessionToken : undefined;
    return cookieToken ?? paramToken;
  };
  // API keys on sockets: the Authorization header of the upgrade request, or `authorization` in connectionParams
  // (browsers cannot set headers on a WebSocket).
  const socketAuthorization = (ctx: { extra: { request: http.IncomingMessage }; connectionParams?: Readonly<Record<string, unknown>> }) => {
    const param = typeof ctx.connectionParams?.authorization === 'string' ? ctx.connectionParams.authorization : undefined;
    return ctx.extra.request.headers.authorization ?? param;
  };
  const credentialRefusal = (credential: SocketCredential) =>
    credential.authorization !== undefined
      ? services.apiKeys.authenticate(credential.authorization).then((r) => (r.viewer ? null : r.reason))
      : services.sessions.lookup(credential.sessionToken).then((r) => (r.viewer ? null : r.reason));
  const socketCredential = (ctx: Parameters<typeof socketAuthorization>[0]): SocketCredential => ({
    sessionToken: socketToken(ctx),
    authorization: socketAuthorization(ctx),
  });
  // Open sockets' credentials are checked again periodically, once per distinct session or key.
  const credentialWatch = new SocketCredentialWatch(options.liveSessionCheckMs ?? 30_000, credentialRefusal);
  const wsCleanup = useServer(
    {
      schema,
      // Live events are executed once per audience and the result sent to every socket that shares it.
      subscribe: subscribeLive,
      // Authenticated on connection: no valid session or API key, no socket (closed with 4403 Forbidden).
      onConnect: async (ctx) => {
        const credential = socketCredential(ctx);
        if ((await credentialRefusal(credential)) !== null) return false;
        credentialWatch.watch(ctx.extra.socket, credential, (reason) =>
          ctx.extra.socket.close(SESSION_ENDED_CLOSE_CODE, socketClosedBecause(reason)),
        );
        return true;
      },
      onClose: (ctx) => credentialWatch.unwatch(ctx.extra.socket),
      // Each operation is parsed and validated as over HTTP (the same rules: limits included) before anything
      // else; then an API key may run only what its scopes allow, checked once per operation like over HTTP.
      onSubscribe: async (ctx, _id, payload) => {
        const checked = checkSocketDocument(schema, payload.query, documentChecks);
        if (checked.errors) return checked.errors;
        const { document } = checked;
        const authorization = socketAuthorization(ctx);
        if (authorization !== undefined) {
          const result = await services.apiKeys.authenticate(authorization);
          if (!result.viewer) return [unauthenticated(result.reason)];
          const operation = getOperationAST(document, payload.operationName);
          const refusal = operation ? refusalFor(result.viewer, operation, document) : null;
          if (refusal) return [refusal];
        }
        return { schema, document, operationName: payload.operationName, variableValues: payload.variables };
      },
      context: (ctx, id) => {
        const context = new CredentialsRequestContext(services, socketToken(ctx), null, socketAuthorization(ctx));
        context.onLiveAccessEnded = (code, reason) => ctx.extra.socket.close(code, reason);
        // A live subscription writes its `next` messages to the socket itself (one serialisation per audience).
        attachLiveSocket(context, ctx.extra.socket, id);
        return context;
      },
    },
    wsServer,
  );

  const drainWebSockets: ApolloServerPlugin = {
    async serverWillStart() {
      return {
        async drainServer() {
          await wsCleanup.dispose();
        },
      };
    },
  };

  const apollo = new ApolloServer<RequestContext>({
    // The same schema, with queries run compiled (graphql-executor.ts); Apollo takes another executor only as a gateway.
    gateway: new GraphQLExecutor(schema).gateway(),
    // A browser cannot add Authorization (or the preflight headers) to a cross-site request without a CORS
    // preflight, which Roster never grants: such requests cannot be forged, so API keys need no extra header.
    csrfPrevention: { requestHeaders: ['Authorization', 'Apollo-Require-Preflight', 'X-Apollo-Operation-Name'] },
    // Allowed for authenticated callers only: operationAccessPlugin refuses anonymous introspection.
    introspection: true,
    // Batches are allowed, up to MAX_BATCH_OPERATIONS (limitBatchSize); each operation is checked and counted.
    allowBatchedHttpRequests: true,
    validationRules: [...documentChecks.rules],
    parseOptions: documentChecks.parseOptions,
    // Stack traces are for development (`pnpm dev` sets ROSTER_ERROR_DETAILS), never the default of a built product.
    includeStacktraceInErrorResponses: config.errorDetails,
    plugins: [
      // Shutdown: stop listening, wait for in-flight requests. The process's own grace timer (main.ts) fires first
      // and names what is still running; this bound only ends a stop made in process (tests, benchmarks).
      ApolloServerPluginDrainHttpServer({ httpServer: server, stopGracePeriodMillis: config.shutdownGraceMs + 1000 }),
      // Apollo's default plugins serve Apollo's cloud (usage and schema reports, federated traces) and cache hints
      // Roster does not use: each would run on every request, and an APOLLO_KEY in the environment must not send
      // Roster's operations to a third party.
      ApolloServerPluginCacheControlDisabled(),
      ApolloServerPluginLandingPageDisabled(),
      ApolloServerPluginInlineTraceDisabled(),
      ApolloServerPluginSchemaReportingDisabled(),
      ApolloServerPluginUsageReportingDisabled(),
      drainWebSockets,
      operationAccessPlugin(),
      queryCostPlugin(),
      schemaHintsPlugin(),
      httpMetrics.graphqlPlugin(),
    ],
    formatError: (formatted, error) => maskUnexpected(stableErrorCode(formatted), error, config.errorDetails, logger),
  });
  await apollo.start();

  app.use(requestLogging(logger));
  mountHealthRoutes(app, options.readiness);

  // GraphQL is mounted before the other routes: Express tries each route in turn, and /graphql is the busiest.
  const rateLimiter = new GraphQLRateLimiter(
    { ...config.rateLimits, redisUrl: config.redisUrl },
    { session: (token) => services.sessions.lookup(token), apiKey: (authorization) => services.apiKeys.authenticate(authorization) },
    logger,
  );
  // One layer for all of /graphql's middlewares (middleware-chain.ts): Express matches the path once, not once each.
  app.use(
    '/graphql',
    chain(
      jsonBody(1024 * 1024),
      httpMetrics.graphqlScope,
      limitBatchSize(),
      rateLimiter.middleware(),
      // Lets the audit trail record the caller's IP for changes made by this request.
      withRequestScope,
      reenterRequestScope,
      apolloExpressMiddleware(apollo, async ({ req, res }) => {
        const context = new CredentialsRequestContext(
          services,
          readCookie(req.headers.cookie, SESSION_COOKIE),
          (value) => res.append('Set-Cookie', value),
          req.headers.authorization,
        );
        context.verifiedCredentials = verifiedCredentialsOf(res);
        context.requestScope = requestScopeOf(res) ?? null;
        context.metricsLabel = httpMetrics.labelOf(res);
        return context;
      }),
    ),
  );

  const sdl = await printRosterSchema();
  app.get('/schema.graphql', (_req, res) => {
    res.type('text/plain; charset=utf-8').set('Content-Disposition', 'inline; filename="schema.graphql"').send(sdl);
  });

  app.post('/webhooks/resend', express.raw({ type: '*/*', limit: '256kb' }), async (req, res) => {
    const secret = config.resendWebhookSecret;
    if (!secret) {
      res.status(503).json({ error: 'Resend webhooks are not configured: set RESEND_WEBHOOK_SECRET.' });
      return;
    }
    const body = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
    const problem = svixVerify(
      secret,
      { id: req.header('svix-id'), timestamp: req.header('svix-timestamp'), signature: req.header('svix-signature') },
      body,
    );
    if (problem) {
      res.status(401).json({ error: `Signature rejected: ${problem}.` });
      return;
    }
    let event: ResendEvent;
    try {
      event = JSON.parse(body) as ResendEvent;
    } catch {
      res.status(400).json({ error: 'The body is not JSON.' });
      return;
    }
    try {
      res.json({ result: await applyResendEvent(services.dataSource, services.events, event) });
    } catch (error) {
      logger.error('Failed to apply a Resend webhook; Resend will retry it', error);
      res.status(500).json({ error: 'Could not apply the event; it will be retried.' });
    }
  });

  // REST routes read the same session cookie (and API key, where they take one) as GraphQL.
  const restContext: RestContextFactory = ({ req, res }, options) => {
    const context = new CredentialsRequestContext(
      services,
      readCookie(req.headers.cookie, SESSION_COOKIE),
      (value) => res.append('Set-Cookie', value),
      options?.apiKeys === false ? undefined : req.headers.authorization,
    );
    context.requestScope = requestScopeOf(res) ?? null;
    return context;
  };
  mountMetricsRoute(app, services.metrics, config);
  mountImportRoutes(app, services, restContext, logger);
  mountAuditRoutes(app, services, restContext, logger);
  mountScimRoutes(app, services, logger);
  // Counted with the GraphQL limits, so every instance shares them when Redis is set.
  mountSsoRoutes(app, services, logger, { startsPerIp: rateLimiter.perMinute('roster:rl:sso-start', SSO_STARTS_PER_MINUTE_PER_IP) });

  mountWebApp(app, config.webDistDir, logger);
  app.use(clientErrorHandler(logger));

  return {
    server,
    async close() {
      await apollo.stop();
      wsServer.close();
      await rateLimiter.close();
    },
  };
}

/** Serves the built SPA, the bundled playground, and index.html for every client-side route. */
function mountWebApp(app: express.Express, distDir: string, logger: Logger): void {
  const indexHtml = path.join(distDir, 'index.html');
  if (!fs.existsSync(indexHtml)) {
    logger.info(`No built web app at ${distDir}; run "pnpm build" to serve the dashboard. The API still works.`);
    app.use((_req, res) => {
      res.status(404).type('text/plain').send('The dashboard is not built. Run "pnpm build", then restart Roster.');
    });
    return;
  }
  app.use('/assets', express.static(path.join(distDir, 'assets'), { immutable: true, maxAge: '1y', fallthrough: false }));
  app.use(express.static(distDir, { index: false }));
  app.get('/playground', (_req, res) => {
    res.sendFile(path.join(distDir, 'playground.html'));
  });
  app.use((req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    if (!req.accepts('html')) return next();
    res.sendFile(indexHtml);
  });
}

/** Unexpected errors never show internals (SQL, stack) to clients unless error details are asked for; they are logged instead. */
function maskUnexpected(formatted: GraphQLFormattedError, error: unknown, showDetails: boolean, logger: Logger): GraphQLFormattedError {
  const code = formatted.extensions?.code;
  if (code !== ErrorCode.INTERNAL_SERVER_ERROR) return formatted;
  // A locked or saturated database is not a bug: the client is told to retry, and the log gets one line.
  if (isDatabaseBusy(error)) {
    logger.info(`Answered DATABASE_BUSY: ${(unwrapResolverError(error) as Error)?.message ?? 'the database was busy'}`);
    const busy = databaseBusy();
    return { message: busy.message, locations: formatted.locations, path: formatted.path, extensions: busy.extensions };
  }
  logger.error('Unexpected error while executing GraphQL', error);
  if (showDetails) return formatted;
  return {
    message: 'Something went wrong on our side. Please try again; if it keeps happening, contact support.',
    locations: formatted.locations,
    path: formatted.path,
    extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR },
  };
}
