import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Logger } from '../core/logger.js';

/**
 * Permits for calls to the email provider's API: at most `perSecond`, spaced evenly (one every 1000/perSecond
 * ms), for every instance of Roster together when the schedule is in Redis. Resend limits a team to 2 requests
 * per second by default; an instance that paced itself alone would let two instances send 4, and each would
 * only learn of it from its own 429s.
 */
export interface SendRateLimiter {
  /** Resolves when this process may make one call; rejects with the signal's reason if it fires first. */
  acquire(signal?: AbortSignal): Promise<void>;
  /** The provider answered 429: no permit is given to any instance for `delayMs` from now. */
  pushBack(delayMs: number): Promise<void>;
  close(): Promise<void>;
}

/** A reserved slot: when the call may start, and the schedule's clock when it was reserved (ms). */
export interface Slot {
  slotMs: number;
  nowMs: number;
}

/** Where the schedule lives: this process's memory, or Redis (shared). */
export interface PermitSchedule {
  /** Reserves the next free slot (the later of now, the slot after the last reserved one, and the end of a pause). */
  reserve(intervalMs: number): Promise<Slot>;
  /** Nothing is reserved before `delayMs` from now. */
  pause(delayMs: number): Promise<void>;
  /** How long the schedule is still paused (0 when not). */
  pausedFor(): Promise<number>;
  close(): Promise<void>;
}

export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export const realSleep: Sleep = (ms, signal) =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const done = () => {
      signal?.removeEventListener('abort', aborted);
      resolve();
    };
    const timer = setTimeout(done, ms);
    const aborted = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', aborted, { once: true });
  });

/** The schedule in this process (one instance, or no Redis). `now` is injectable for tests. */
export class MemorySchedule implements PermitSchedule {
  private next = 0;
  private pausedUntil = 0;

  constructor(private readonly now: () => number = Date.now) {}

  async reserve(intervalMs: number): Promise<Slot> {
    const nowMs = this.now();
    const slotMs = Math.max(nowMs, this.next, this.pausedUntil);
    this.next = slotMs + intervalMs;
    return { slotMs, nowMs };
  }

  async pause(delayMs: number): Promise<void> {
    this.pausedUntil = Math.max(this.pausedUntil, this.now() + delayMs);
  }

  async pausedFor(): Promise<number> {
    return Math.max(0, this.pausedUntil - this.now());
  }

  async close(): Promise<void> {}
}

// Redis's own clock (TIME), so instances whose clocks differ still agree on the slots. Each script is atomic.
const NOW = `local t = redis.call('TIME') local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;
const RESERVE = `${NOW}
local next = tonumber(redis.call('HGET', KEYS[1], 'next') or '0')
local paused = tonumber(redis.call('HGET', KEYS[1], 'paused') or '0')
local slot = math.max(now, next, paused)
redis.call('HSET', KEYS[1], 'next', slot + tonumber(ARGV[1]))
redis.call('PEXPIRE', KEYS[1], slot - now + tonumber(ARGV[1]) + 60000)
return {slot, now}`;
const PAUSE = `${NOW}
local paused = math.max(tonumber(redis.call('HGET', KEYS[1], 'paused') or '0'), now + tonumber(ARGV[1]))
redis.call('HSET', KEYS[1], 'paused', paused)
redis.call('PEXPIRE', KEYS[1], paused - now + 60000)
return 0`;
const PAUSED_FOR = `${NOW}
return math.max(0, tonumber(redis.call('HGET', KEYS[1], 'paused') or '0') - now)`;

interface ScheduleCommands {
  sendRateReserve(key: string, intervalMs: number): Promise<[number, number]>;
  sendRatePause(key: string, delayMs: number): Promise<number>;
  sendRatePausedFor(key: string): Promise<number>;
}

/**
 * The schedule in Redis, one per Resend team (keyed by a hash of the API key, never the key itself), shared by
 * every instance. If Redis cannot be reached, this instance paces itself in memory until it is back (logged
 * once): email keeps going, and a 429 from the provider is still honoured.
 */
export class RedisSchedule implements PermitSchedule {
  private readonly redis: Redis & ScheduleCommands;
  private readonly key: string;
  private readonly fallback = new MemorySchedule();
  private warned = false;

  constructor(url: string, apiKey: string, logger: Logger) {
    this.key = `roster:resend-rate:${createHash('sha256').update(apiKey).digest('hex').slice(0, 24)}`;
    this.redis = new Redis(url, { maxRetriesPerRequest: 1, connectTimeout: 2_000 }) as Redis & ScheduleCommands;
    this.redis.defineCommand('sendRateReserve', { numberOfKeys: 1, lua: RESERVE });
    this.redis.defineCommand('sendRatePause', { numberOfKeys: 1, lua: PAUSE });
    this.redis.defineCommand('sendRatePausedFor', { numberOfKeys: 1, lua: PAUSED_FOR });
    this.redis.on('error', (error) => {
      if (!this.warned)
        logger.error('Email sending cannot reach Redis; this instance paces its calls to Resend alone until it is back', error);
      this.warned = true;
    });
    this.redis.on('ready', () => void (this.warned = false));
  }

  async reserve(intervalMs: number): Promise<Slot> {
    try {
      const [slotMs, nowMs] = await this.redis.sendRateReserve(this.key, intervalMs);
      return { slotMs: Number(slotMs), nowMs: Number(nowMs) };
    } catch {
      return this.fallback.reserve(intervalMs);
    }
  }

  async pause(delayMs: number): Promise<void> {
    await this.fallback.pause(delayMs);
    await this.redis.sendRatePause(this.key, Math.ceil(delayMs)).catch(() => undefined);
  }

  async pausedFor(): Promise<number> {
    try {
      return Number(await this.redis.sendRatePausedFor(this.key));
    } catch {
      return this.fallback.pausedFor();
    }
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => undefined);
  }
}

/** Paces calls on a schedule: reserve the next slot, wait for it, and start over if a 429 paused the schedule meanwhile. */
export class ScheduledSendRate implements SendRateLimiter {
  private readonly intervalMs: number;

  constructor(
    readonly perSecond: number,
    private readonly schedule: PermitSchedule,
    private readonly sleep: Sleep = realSleep,
  ) {
    // Whole milliseconds (Redis keeps integers), rounded up so the rate is never exceeded.
    this.intervalMs = Math.ceil(1000 / perSecond);
  }

  async acquire(signal?: AbortSignal): Promise<void> {
    for (;;) {
      signal?.throwIfAborted();
      const { slotMs, nowMs } = await this.schedule.reserve(this.intervalMs);
      // A slot that is due now was reserved after any pause; a later one may have been overtaken by a 429 since.
      if (slotMs <= nowMs) return;
      await this.sleep(slotMs - nowMs, signal);
      if ((await this.schedule.pausedFor()) <= 0) return;
    }
  }

  pushBack(delayMs: number): Promise<void> {
    return this.schedule.pause(delayMs);
  }

  close(): Promise<void> {
    return this.schedule.close();
  }
}

/** One limiter for every instance when Redis is configured, else this process's own. */
export function createSendRateLimiter(
  settings: { perSecond: number; redisUrl: string | null; apiKey: string },
  logger: Logger,
): ScheduledSendRate {
  const schedule = settings.redisUrl ? new RedisSchedule(settings.redisUrl, settings.apiKey, logger) : new MemorySchedule();
  return new ScheduledSendRate(settings.perSecond, schedule);
}
