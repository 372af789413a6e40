import path from 'node:path';

/** How long a request may wait on the database before it is answered DATABASE_BUSY (see core/errors.ts). */
export interface DatabaseTimeouts {
  /** Longest wait for a row or table lock (MariaDB `innodb_lock_wait_timeout` and `lock_wait_timeout`; SQLite's busy timeout). */
  lockWaitSeconds: number;
  /** Longest run of one statement (MariaDB `max_statement_time`, MySQL `max_execution_time` for reads); 0 means no limit. */
  statementSeconds: number;
  /** Longest wait for a free connection of the pool (MariaDB/MySQL). */
  poolAcquireSeconds: number;
}

/** Everything Roster reads from its environment, validated once at start-up. */
export interface RosterConfig {
  port: number;
  host: string;
  dataDir: string;
  /** Either a mysql:// URL (production) or the embedded SQLite file under dataDir. */
  database: { kind: 'mysql'; url: string } | { kind: 'sqlite'; file: string };
  redisUrl: string | null;
  resendApiKey: string | null;
  resendBaseUrl: string;
  /** Calls to Resend's API per second for the whole team (RESEND_REQUESTS_PER_SECOND; Resend's default team limit is 2), shared by every instance through Redis when set. */
  resendRequestsPerSecond: number;
  /** How long one call to Resend may take before it is abandoned and retried later with the same idempotency key (RESEND_TIMEOUT_MS). */
  resendTimeoutMs: number;
  /** Verifies Resend's delivery webhooks (Svix scheme, `whsec_...`); webhooks are refused without it. */
  resendWebhookSecret: string | null;
  /** Sender of invitation emails, e.g. `Roster <invitations@example.com>` (a domain verified at Resend). */
  mailFrom: string;
  publicUrl: string;
  /** True when PUBLIC_URL was not given: it then follows the port actually listened on. */
  publicUrlFromPort: boolean;
  production: boolean;
  sessionTtlHours: number;
  /** Largest CSV file accepted for import, in bytes. */
  importMaxBytes: number;
  /** GraphQL operations per minute allowed per API key, per signed-in session and per client IP address (shared through Redis when set). */
  rateLimits: { perApiKeyPerMinute: number; perSessionPerMinute: number; perIpPerMinute: number };
  /** How long a request may wait on a locked database or a full pool before it is answered DATABASE_BUSY. */
  databaseTimeouts: DatabaseTimeouts;
  /** Seed the demo MSP account when the database is empty. */
  seedDemo: boolean;
  /** Folder holding the built SPA (index.html and assets); absent in API-only runs. */
  webDistDir: string;
  logLevel: 'silent' | 'error' | 'warn' | 'info' | 'debug';
  /** `json` (one JSON object a line, the default) or `pretty` (coloured lines for a terminal; `pnpm dev` sets it; needs the dev dependency pino-pretty). */
  logFormat: 'json' | 'pretty';
  /** Longest wait for the database or Redis to answer a /readyz check before it counts as failed (READYZ_TIMEOUT_MS). */
  readinessTimeoutMs: number;
  /** How long a SIGTERM/SIGINT shutdown may take (in-flight requests, workers' current batch); past it the process exits 1 (SHUTDOWN_GRACE_MS). */
  shutdownGraceMs: number;
  /** Sends stack traces and unexpected errors' own messages to clients (ROSTER_ERROR_DETAILS; `pnpm dev` sets it). Off unless set. */
  errorDetails: boolean;
  /** Bearer token /metrics asks for (METRICS_TOKEN); null: none asked, so /metrics is served only on METRICS_PORT if set. */
  metricsToken: string | null;
  /** Serves /metrics on this port alone, not on PORT (METRICS_PORT); null: on PORT with METRICS_TOKEN, else nowhere. */
  metricsPort: number | null;
  /** 32-byte AES-256-GCM key sealing integration credentials; null means "generate one in dataDir" (embedded default only). */
  credentialsKey: Buffer | null;
  /**
   * Lets outbound calls (webhook endpoints, integrations' vendor URLs, the email provider) use plain http and
   * private, loopback or link-local addresses (development and tests only).
   */
  outboundAllowPrivateNetworks: boolean;
  /** Microsoft identity platform (token endpoint) and Microsoft Graph base URLs, for the Entra ID connector (tests point them at a fake). */
  microsoftLoginBaseUrl: string;
  microsoftGraphBaseUrl: string;
  /** Google's OAuth 2.0 token endpoint and the Admin SDK Directory API base URL, for the Google Workspace connector (tests point them at a fake). */
  googleOAuthTokenUrl: string;
  googleDirectoryBaseUrl: string;
  /** Autotask's zone discovery host, asked for the API user's zone (tests point it at a fake). */
  autotaskZoneDiscoveryUrl: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Roster cannot start, the configuration has ${problems.length} problem(s):\n` + problems.map((p) => `  - ${p}`).join('\n'));
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

const defaultWebDist = path.resolve(import.meta.dirname, '../../../web/dist');

/** Reads and validates the environment; throws one ConfigError that lists every bad value. */
export function loadConfig(env: Env = process.env): RosterConfig {
  const problems: string[] = [];
  const read = (name: string) => {
    const value = env[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  };

  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const raw = read(name);
    if (raw === undefined) return fallback;
    if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
      problems.push(`${name}="${raw}" must be a whole number from ${min} to ${max}.`);
      return fallback;
    }
    return Number(raw);
  };

  const url = (name: string, protocols: string[], fallback: string | null): string | null => {
    const raw = read(name);
    if (raw === undefined) return fallback;
    try {
      const parsed = new URL(raw);
      if (!protocols.includes(parsed.protocol)) {
        problems.push(`${name}="${redact(raw)}" must start with ${protocols.map((p) => p + '//').join(' or ')}.`);
        return fallback;
      }
      return raw;
    } catch {
      problems.push(`${name}="${redact(raw)}" is not a valid URL.`);
      return fallback;
    }
  };

  const port = integer('PORT', 4000, 0, 65535);
  const host = read('HOST') ?? '0.0.0.0';
  const dataDir = path.resolve(read('ROSTER_DATA_DIR') ?? path.resolve(import.meta.dirname, '../../../../data'));
  const databaseUrl = url('DATABASE_URL', ['mysql:', 'mariadb:'], null);
  const redisUrl = url('REDIS_URL', ['redis:', 'rediss:'], null);
  const resendBaseUrl = url('RESEND_BASE_URL', ['http:', 'https:'], 'https://api.resend.com')!;
  const microsoftLoginBaseUrl = url('MICROSOFT_LOGIN_BASE_URL', ['http:', 'https:'], 'https://login.microsoftonline.com')!;
  const microsoftGraphBaseUrl = url('MICROSOFT_GRAPH_BASE_URL', ['http:', 'https:'], 'https://graph.microsoft.com')!;
  const googleOAuthTokenUrl = url('GOOGLE_OAUTH_TOKEN_URL', ['http:', 'https:'], 'https://oauth2.googleapis.com/token')!;
  const googleDirectoryBaseUrl = url('GOOGLE_DIRECTORY_BASE_URL', ['http:', 'https:'], 'https://admin.googleapis.com')!;
  const autotaskZoneDiscoveryUrl = url('AUTOTASK_ZONE_DISCOVERY_URL', ['http:', 'https:'], 'https://webservices.autotask.net')!;
  const publicUrl = url('PUBLIC_URL', ['http:', 'https:'], null) ?? `http://localhost:${port}`;
  if (read('NODE_ENV') === 'production' && read('PUBLIC_URL') === undefined) {
    // Links in emails and SCIM locations come from it, never from a request's Host header, so production names it.
    problems.push('PUBLIC_URL is required in production: the URL people reach Roster at, e.g. https://roster.example.com.');
  }
  const resendApiKey = read('RESEND_API_KEY') ?? null;
  if (resendApiKey !== null && !resendApiKey.startsWith('re_')) {
    problems.push('RESEND_API_KEY must be a Resend API key (it starts with "re_").');
  }
  const resendRequestsPerSecond = integer('RESEND_REQUESTS_PER_SECOND', 2, 1, 10_000);
  const resendTimeoutMs = integer('RESEND_TIMEOUT_MS', 20_000, 1_000, 600_000);
  const resendWebhookSecret = read('RESEND_WEBHOOK_SECRET') ?? null;
  if (resendWebhookSecret !== null && !/^whsec_[A-Za-z0-9+/=]+$/.test(resendWebhookSecret)) {
    problems.push('RESEND_WEBHOOK_SECRET must be the signing secret Resend shows for the webhook (it starts with "whsec_").');
  }
  const mailFrom = read('MAIL_FROM') ?? 'Roster <onboarding@resend.dev>';
  if (!/^[^<>@\s]+@[^<>@\s]+\.[^<>@\s]+$|^[^<>]*<[^<>@\s]+@[^<>@\s]+\.[^<>@\s]+>$/.test(mailFrom)) {
    problems.push(`MAIL_FROM="${mailFrom}" must be an address, optionally with a name: "Roster <invitations@example.com>".`);
  }
  const nodeEnv = read('NODE_ENV') ?? 'development';
  if (!['development', 'production', 'test'].includes(nodeEnv)) {
    problems.push(`NODE_ENV="${nodeEnv}" must be development, production or test.`);
  }
  const sessionTtlHours = integer('SESSION_TTL_HOURS', 12, 1, 24 * 30);
  const importMaxMb = integer('IMPORT_MAX_MB', 20, 1, 500);
  const rateLimits = {
    perApiKeyPerMinute: integer('RATE_LIMIT_PER_API_KEY', 600, 1, 1_000_000),
    perSessionPerMinute: integer('RATE_LIMIT_PER_SESSION', 3000, 1, 1_000_000),
    perIpPerMinute: integer('RATE_LIMIT_PER_IP', 1200, 1, 1_000_000),
  };
  const databaseTimeouts: DatabaseTimeouts = {
    lockWaitSeconds: integer('DB_LOCK_WAIT_TIMEOUT_SECONDS', 5, 1, 3600),
    statementSeconds: integer('DB_STATEMENT_TIMEOUT_SECONDS', 30, 0, 86_400),
    poolAcquireSeconds: integer('DB_POOL_ACQUIRE_TIMEOUT_SECONDS', 10, 1, 3600),
  };
  const seedRaw = (read('ROSTER_SEED_DEMO') ?? (databaseUrl ? 'false' : 'true')).toLowerCase();
  if (!['true', 'false'].includes(seedRaw)) problems.push(`ROSTER_SEED_DEMO="${seedRaw}" must be true or false.`);
  // WEBHOOK_ALLOW_PRIVATE_NETWORKS is the setting's former name (webhooks were the only outbound calls); still read.
  const outboundPrivateName =
    read('OUTBOUND_ALLOW_PRIVATE_NETWORKS') !== undefined || read('WEBHOOK_ALLOW_PRIVATE_NETWORKS') === undefined
      ? 'OUTBOUND_ALLOW_PRIVATE_NETWORKS'
      : 'WEBHOOK_ALLOW_PRIVATE_NETWORKS';
  const outboundPrivateRaw = (read(outboundPrivateName) ?? 'false').toLowerCase();
  if (!['true', 'false'].includes(outboundPrivateRaw))
    problems.push(`${outboundPrivateName}="${outboundPrivateRaw}" must be true or false.`);
  const errorDetailsRaw = (read('ROSTER_ERROR_DETAILS') ?? 'false').toLowerCase();
  if (!['true', 'false'].includes(errorDetailsRaw)) problems.push(`ROSTER_ERROR_DETAILS="${errorDetailsRaw}" must be true or false.`);
  const metricsToken = read('METRICS_TOKEN') ?? null;
  if (metricsToken !== null && (metricsToken.length < 16 || /\s/.test(metricsToken)))
    problems.push('METRICS_TOKEN must be at least 16 characters without spaces (make one with `openssl rand -hex 24`).');
  const metricsPort = read('METRICS_PORT') === undefined ? null : integer('METRICS_PORT', 0, 0, 65535);
  if (metricsPort !== null && metricsPort !== 0 && metricsPort === port) problems.push('METRICS_PORT must differ from PORT.');
  const logLevel = (read('LOG_LEVEL') ?? 'info') as RosterConfig['logLevel'];
  if (!['silent', 'error', 'warn', 'info', 'debug'].includes(logLevel)) {
    problems.push(`LOG_LEVEL="${logLevel}" must be silent, error, warn, info or debug.`);
  }
  const logFormat = (read('LOG_FORMAT') ?? 'json') as RosterConfig['logFormat'];
  if (!['json', 'pretty'].includes(logFormat)) problems.push(`LOG_FORMAT="${logFormat}" must be json or pretty.`);
  const readinessTimeoutMs = integer('READYZ_TIMEOUT_MS', 2000, 100, 60_000);
  const shutdownGraceMs = integer('SHUTDOWN_GRACE_MS', 25_000, 1000, 3_600_000);

  const credentialsKeyRaw = read('ROSTER_CREDENTIALS_KEY');
  let credentialsKey: Buffer | null = null;
  if (credentialsKeyRaw !== undefined) {
    const decoded = /^[0-9a-f]{64}$/i.test(credentialsKeyRaw)
      ? Buffer.from(credentialsKeyRaw, 'hex')
      : Buffer.from(credentialsKeyRaw, 'base64');
    if (decoded.length !== 32)
      problems.push('ROSTER_CREDENTIALS_KEY must be 32 bytes, as 64 hex digits or base64 (make one with `openssl rand -base64 32`).');
    else credentialsKey = decoded;
  } else if (nodeEnv === 'production' && databaseUrl) {
    // The embedded default keeps a generated key beside its SQLite file; a real deployment must bring its own.
    problems.push(
      'ROSTER_CREDENTIALS_KEY is required in production with DATABASE_URL: it seals integration credentials (make one with `openssl rand -base64 32`).',
    );
  }

  if (problems.length > 0) throw new ConfigError(problems);

  return {
    port,
    host,
    dataDir,
    database: databaseUrl ? { kind: 'mysql', url: databaseUrl } : { kind: 'sqlite', file: path.join(dataDir, 'roster.sqlite') },
    redisUrl,
    resendApiKey,
    resendBaseUrl,
    resendRequestsPerSecond,
    resendTimeoutMs,
    resendWebhookSecret,
    mailFrom,
    publicUrl: publicUrl.replace(/\/+$/, ''),
    publicUrlFromPort: read('PUBLIC_URL') === undefined,
    production: nodeEnv === 'production',
    sessionTtlHours,
    importMaxBytes: importMaxMb * 1024 * 1024,
    rateLimits,
    databaseTimeouts,
    seedDemo: seedRaw === 'true',
    webDistDir: path.resolve(read('ROSTER_WEB_DIST') ?? defaultWebDist),
    logLevel,
    logFormat,
    readinessTimeoutMs,
    shutdownGraceMs,
    errorDetails: errorDetailsRaw === 'true',
    metricsToken,
    metricsPort,
    credentialsKey,
    outboundAllowPrivateNetworks: outboundPrivateRaw === 'true',
    microsoftLoginBaseUrl: microsoftLoginBaseUrl.replace(/\/+$/, ''),
    microsoftGraphBaseUrl: microsoftGraphBaseUrl.replace(/\/+$/, ''),
    googleOAuthTokenUrl,
    googleDirectoryBaseUrl: googleDirectoryBaseUrl.replace(/\/+$/, ''),
    autotaskZoneDiscoveryUrl: autotaskZoneDiscoveryUrl.replace(/\/+$/, ''),
  };
}

/** Hides the password part of a URL so it never reaches a log. */
export function redact(value: string): string {
  return value.replace(/\/\/([^:/@]+):([^@]+)@/, '//$1:***@');
}
