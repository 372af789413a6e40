import type { NextFunction, Request, Response } from 'express';
import { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { ErrorCode } from '../../app/errors.js';
import type { Logger } from '../../app/logger.js';
import { parseApiKey } from '../api-keys/api-key-format.js';
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
 * Rate limits on /graphql with rate-limiter-flexible: one budget per API key and one per IP address. Each
 * operation of a batch counts. Over the limit: HTTP 429 with `Retry-After` and a RATE_LIMITED error with
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
      this.redis = new Redis(settings.redisUrl, { enableOfflineQueue: false, lazyConnect: false, maxRetriesPerRequest: 1 });
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
      const bearer = /^Bearer\s+(\S+)/i.exec(req.header('authorization') ?? '')?.[1];
      // The key is not verified yet: counting by its prefix is enough, forged prefixes still hit the IP budget.
      const keyPrefix = bearer ? parseApiKey(bearer)?.prefix : undefined;
      let limitedBy: 'IP' | 'API_KEY' = 'IP';
      try {
        await this.byIp.consume(req.ip ?? 'unknown', operations);
        limitedBy = 'API_KEY';
        if (keyPrefix) await this.byKey.consume(keyPrefix, operations);
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

  async close(): Promise<void> {
    await this.redis?.quit().catch(() => undefined);
  }
}
