import type { NextFunction, Request, Response } from 'express';
import { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { ErrorCode } from '../../app/errors.js';
import type { Logger } from '../../app/logger.js';
import { parseApiKey } from '../api-keys/api-key-format.js';
import { readCookie, SESSION_COOKIE } from '../cookies.js';
import { sendGraphQLHttpError } from './http-errors.js';

export interface RateLimitSettings {
  /** GraphQL operations per minute per API key. */
  perApiKeyPerMinute: number;
  /** GraphQL operations per minute per client IP address, whoever is asking. */
  perIpPerMinute: number;
  /** Shares the counters between instances; in memory (per process) when null. */
  redisUrl: string | null;
}

/**
 * Rate limits on /graphql with rate-limiter-flexible:
 * - an API key spends its own budget (counted by its prefix, before any database lookup);
 * - a request without credentials spends its IP address's budget;
 * - a signed-in dashboard does not spend the IP budget (many admins of one MSP often share an address), but
 *   credentials that turn out to be refused (a forged or expired cookie, an unknown key) spend it, and a
 *   spent IP budget refuses everyone at that address, so forging credentials cannot get around it.
 * Each operation of a batch counts. Over the limit: HTTP 429 with `Retry-After` and a RATE_LIMITED error with
 * `retryAfter` seconds. With Redis every instance shares the counters; if Redis fails, an in-memory limiter
 * takes over (insurance) rather than letting every request through or refusing them all.
 */
export class GraphQLRateLimiter {
  private readonly byKey: RateLimiterAbstract;
  private readonly byIp: RateLimiterAbstract;
  private readonly redis: Redis | null;

  constructor(settings: RateLimitSettings, logger: Logger) {
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
      this.byKey = redis('roster:rl:key', settings.perApiKeyPerMinute);
      this.byIp = redis('roster:rl:ip', settings.perIpPerMinute);
    } else {
      this.redis = null;
      this.byKey = memory(settings.perApiKeyPerMinute);
      this.byIp = memory(settings.perIpPerMinute);
    }
  }

  /** Express middleware; mount after the JSON body parser so a batch counts as its number of operations. */
  middleware() {
    return async (req: Request, res: Response, next: NextFunction) => {
      const operations = Array.isArray(req.body) ? Math.max(1, req.body.length) : 1;
      const authorization = req.header('authorization');
      const bearer = /^Bearer\s+(\S+)/i.exec(authorization ?? '')?.[1];
      const keyPrefix = bearer ? parseApiKey(bearer)?.prefix : undefined;
      const credentialed = authorization !== undefined || readCookie(req.headers.cookie, SESSION_COOKIE) !== undefined;
      let limitedBy: 'IP' | 'API_KEY' = 'IP';
      try {
        if (credentialed) {
          const ipState = await this.byIp.get(ipOf(req));
          if (ipState && ipState.remainingPoints <= 0) throw ipState;
          limitedBy = 'API_KEY';
          if (keyPrefix) await this.byKey.consume(keyPrefix, operations);
        } else {
          await this.byIp.consume(ipOf(req), operations);
        }
        next();
      } catch (rejection) {
        if (!(rejection instanceof RateLimiterRes)) return next(rejection);
        const retryAfter = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
        res.set('Retry-After', String(retryAfter));
        sendGraphQLHttpError(req, res, 429, `Too many requests from this ${limitedBy === 'IP' ? 'IP address' : 'API key'}. Try again in ${retryAfter} second(s).`, {
          code: ErrorCode.RATE_LIMITED,
          retryAfter,
          limitedBy,
        });
      }
    };
  }

  /** Refused credentials spend one point of their IP address's budget. */
  penalize(req: Request): void {
    this.byIp.penalty(ipOf(req), 1).catch(() => undefined);
  }

  async close(): Promise<void> {
    await this.redis?.quit().catch(() => undefined);
  }
}

function ipOf(req: Request): string {
  return req.ip ?? 'unknown';
}
