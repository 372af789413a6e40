import { createRequire } from 'node:module';
import { pino, type DestinationStream, type Logger as PinoLogger } from 'pino';
import type { RosterConfig } from './config.js';
import { currentRequestId } from './request-scope.js';

export type LogDestination = DestinationStream;

/** Structured fields of a log line (ids, counts, durations): never a secret. */
export type LogFields = Record<string, unknown>;

/** What every floor logs through; one JSON object a line (pino), carrying the request id of the work it serves. */
export interface Logger {
  info(message: string, fields?: LogFields): void;
  /** Something an operator should look at that failed nothing (optional: loggers written for tests may leave it out). */
  warn?(message: string, fields?: LogFields): void;
  error(message: string, error?: unknown, fields?: LogFields): void;
  /** Whether lines of this level are written (optional): a caller may skip building a line nobody will read. */
  isEnabled?(level: 'info' | 'warn' | 'error'): boolean;
}

/**
 * Fields never written, whatever a caller passes: credentials by their usual names, one and two levels deep
 * (pino's redaction; the request log line names none of them in the first place).
 */
export const REDACTED_FIELDS = [
  'password',
  'newPassword',
  'currentPassword',
  'token',
  'sessionToken',
  'secret',
  'clientSecret',
  'apiKey',
  'credentials',
  'authorization',
  'cookie',
  'variables',
].flatMap((name) => [name, `*.${name}`, `*.*.${name}`]);
const REDACTED_HEADERS = ['headers.authorization', 'headers.cookie', 'headers["set-cookie"]', 'headers["x-api-key"]'].flatMap((path) => [
  path,
  `*.${path}`,
]);

export interface LoggerOptions {
  level: RosterConfig['logLevel'];
  /** `pretty` needs the dev dependency pino-pretty (`pnpm dev`); without it lines stay JSON. */
  format?: RosterConfig['logFormat'];
  /** Where lines go (default stdout); tests capture them. */
  destination?: DestinationStream;
}

export function createLogger(options: LoggerOptions): Logger {
  const base = pino(
    {
      level: options.level,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: [...REDACTED_FIELDS, ...REDACTED_HEADERS], censor: '[redacted]' },
      mixin: () => {
        const requestId = currentRequestId();
        return requestId ? { requestId } : {};
      },
    },
    options.destination ?? (options.format === 'pretty' ? prettyStream() : undefined),
  );
  return wrapPino(base);
}

/** The Logger interface over a pino logger. */
export function wrapPino(base: PinoLogger): Logger {
  return {
    info: (message, fields) => base.info(fields ?? {}, message),
    isEnabled: (level) => base.isLevelEnabled(level),
    warn: (message, fields) => base.warn(fields ?? {}, message),
    error: (message, error, fields) => {
      const described = error instanceof Error ? { err: error } : error === undefined || error === '' ? {} : { detail: String(error) };
      base.error({ ...described, ...fields }, message);
    },
  };
}

/** pino-pretty in the same thread, loaded only when asked for: the production bundle does not carry it. */
function prettyStream(): DestinationStream | undefined {
  try {
    const pretty = createRequire(import.meta.url)('pino-pretty') as (options: object) => DestinationStream;
    return pretty({ colorize: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' });
  } catch {
    process.stderr.write('LOG_FORMAT=pretty needs pino-pretty (a development dependency); logging JSON instead.\n');
    return undefined;
  }
}
