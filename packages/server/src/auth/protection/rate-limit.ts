import type { NextFunction, Request, Response } from 'express';
import { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { ErrorCode } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { parseApiKey } from '../api-keys/api-key-format.js';
import type { ApiKeyLookup } from '../api-keys/api-key.service.js';
import { readCookie, SESSION_COOKIE } from '../cookies.js';
import type { SessionLookup } from '../session.service.js';
import { sendGraphQLHttpError } from './http-errors.js';

export interface RateLimitSettings {
  /** GraphQL operations per minute per API key. */
  perApiKeyPerMinute: number;
  /** GraphQL operations per minute per signed-in session (generous: the dashboard must never feel it). */
  perSessionPerMinute: number;
  /** GraphQL operations per minute per client IP address, for every request without verified credentials. */
  perIpPerMinute: number;
  /** Shares the counters between instances; in memory (per process) when null. */
  redisUrl: string | null;
}

/** How the limiter verifies credentials: the same lookups the request context would make. */
export interface CredentialVerifier {
  session(token: string): Promise<SessionLookup>;
  apiKey(authorization: string): Promise<ApiKeyLookup>;
}

export type VerifiedCredentials = Promise<SessionLookup> | Promise<ApiKeyLookup>;

/** The limiter's lookup of this request's credentials, so the request context reuses it instead of repeating it. */
export function verifiedCredentialsOf(res: Response): VerifiedCredentials | null {
  return (res.locals.verifiedCredentials as VerifiedCredentials | undefined) ?? null;
}

export type LimitedBy = 'IP' | 'API_KEY' | 'SESSION';

const LIMITED_BY_WORDS: Record<LimitedBy, string> = { IP: 'IP address', API_KEY: 'API key', SESSION: 'session' };

/**
 * Rate limits on /graphql with rate-limiter-flexible. One rule decides which budget a request spends:
 * - an API key spends its key's budget, counted by its prefix before any database lookup;
 * - a session cookie that verifies to a live session spends that session's (generous) budget; many admins of
 *   one MSP often share an address, so a live session does not spend the IP budget;
 * - everything else spends its IP address's budget: no credentials, and credentials that do not verify (a
 *   forged or expired cookie, an unknown or revoked key). A credential is never trusted before it is
 *   verified, so sending a made-up cookie or key cannot get around the IP limit.
 * Each operation of a batch counts. Over the limit: HTTP 429 with `Retry-After` and a RATE_LIMITED error with
 * `retryAfter` seconds. With Redis every instance shares the counters; if Redis fails, an in-memory limiter
 * takes over (insurance) rather than letting every request through or refusing them all.
 */
export class GraphQLRateLimiter {
  private readonly byKey: RateLimiterAbstract;
  private readonly bySession: RateLimiterAbstract;
  private readonly byIp: RateLimiterAbstract;
  private readonly redis: Redis | null;
  private readonly perMinuteLimiter: (prefix: string, points: number) => RateLimiterAbstract;

  constructor(
    settings: RateLimitSettings,
    private readonly verify: CredentialVerifier,
    logger: Logger,
  ) {
    const memory = (points: number) => new RateLimiterMemory({ points, duration: 60 });
    if (settings.redisUrl) {
      this.redis = new Redis(settings.redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
      let warned = false;
      this.redis.on('error', (error) => {
        if (!warned) logger.error('Rate limits cannot reach Redis; each instance counts in memory until it is back', error);
        warned = true;
      });
      this.redis.on('ready', () => void (warned = false));
      const redis = (prefix: string, points: number) =>
        new RateLimiterRedis({ storeClient: this.redis, keyPrefix: prefix, points, duration: 60, insuranceLimiter: memory(points) });
      this.perMinuteLimiter = redis;
      this.byKey = redis('roster:rl:key', settings.perApiKeyPerMinute);
      this.bySession = redis('roster:rl:session', settings.perSessionPerMinute);
      this.byIp = redis('roster:rl:ip', settings.perIpPerMinute);
    } else {
      this.redis = null;
      this.perMinuteLimiter = (_prefix, points) => memory(points);
      this.byKey = memory(settings.perApiKeyPerMinute);
      this.bySession = memory(settings.perSessionPerMinute);
      this.byIp = memory(settings.perIpPerMinute);
    }
  }

  /** Express middleware; mount after the JSON body parser so a batch counts as its number of operations. */
  middleware() {
    return async (req: Request, res: Response, next: NextFunction) => {
      const operations = Array.isArray(req.body) ? Math.max(1, req.body.length) : 1;
      let limitedBy: LimitedBy = 'IP';
      try {
        const authorization = req.header('authorization');
        const sessionToken = readCookie(req.headers.cookie, SESSION_COOKIE);
        if (authorization !== undefined) {
          const keyPrefix = parseApiKey(/^Bearer\s+(\S+)/i.exec(authorization)?.[1] ?? '')?.prefix;
          if (keyPrefix) {
            limitedBy = 'API_KEY';
            await this.byKey.consume(keyPrefix, operations);
          }
          const lookup = this.verify.apiKey(authorization);
          res.locals.verifiedCredentials = lookup;
          if ((await lookup.catch(() => null))?.viewer) return next();
        } else if (sessionToken !== undefined) {
          const lookup = this.verify.session(sessionToken);
          res.locals.verifiedCredentials = lookup;
          const session = (await lookup.catch(() => null))?.viewer?.sessionId;
          if (session) {
            limitedBy = 'SESSION';
            await this.bySession.consume(session, operations);
            return next();
          }
        }
        limitedBy = 'IP';
        await this.byIp.consume(ipOf(req), operations);
        next();
      } catch (rejection) {
        if (!(rejection instanceof RateLimiterRes)) return next(rejection);
        const retryAfter = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
        res.set('Retry-After', String(retryAfter));
        sendGraphQLHttpError(
          req,
          res,
          429,
          `Too many requests from this ${LIMITED_BY_WORDS[limitedBy]}. Try again in ${retryAfter} second(s).`,
          {
            code: ErrorCode.RATE_LIMITED,
            retryAfter,
            limitedBy,
          },
        );
      }
    };
  }

  /** Another budget per minute, counted where these are (in Redis for every instance when it is set). */
  perMinute(prefix: string, points: number): RateLimiterAbstract {
    return this.perMinuteLimiter(prefix, points);
  }

  async close(): Promise<void> {
    await this.redis?.quit().catch(() => undefined);
  }
}

function ipOf(req: Request): string {
  return req.ip ?? 'unknown';
}
