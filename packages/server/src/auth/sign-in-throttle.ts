import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Logger } from '../core/logger.js';

/** How quickly failed sign-ins slow a caller down. */
export interface SignInThrottleSettings {
  /** Failures of one email from one address that cost nothing; each further one doubles the wait. */
  freeFailuresPerEmailAndIp: number;
  /** Failures from one address, whatever the emails, that cost nothing (password spraying); then the same doubling. */
  freeFailuresPerIp: number;
  /** The first wait, once the free failures are used up. */
  firstDelayMs: number;
  /** The longest wait: the doubling stops here. */
  maxDelayMs: number;
  /** Failures are forgotten this long after the last one. */
  forgetAfterMs: number;
}

export const DEFAULT_SIGN_IN_THROTTLE: SignInThrottleSettings = {
  freeFailuresPerEmailAndIp: 5,
  freeFailuresPerIp: 20,
  firstDelayMs: 1000,
  maxDelayMs: 15 * 60 * 1000,
  forgetAfterMs: 60 * 60 * 1000,
};

/** How one key's failures turn into a wait. */
export interface FailureRule {
  free: number;
  firstDelayMs: number;
  maxDelayMs: number;
  forgetAfterMs: number;
}

/** Where failures are counted: this process's memory, or Redis for every instance. Times are ms since the epoch. */
export interface FailureCounts {
  /** For each key, until when it is blocked (0 or a past time when it is not). */
  blockedUntil(keys: string[]): Promise<number[]>;
  /** Counts one failure of `key` at `now`: past the rule's free failures, each one doubles the block. */
  fail(key: string, rule: FailureRule, now: number): Promise<void>;
  clear(key: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * Slows down password guessing without handing anyone a way to lock others out. Failures are counted per
 * (email, address) and per address, never per email alone: a stranger's wrong passwords slow the stranger
 * down, while the owner of the email signing in from their own address is not affected. Past the free
 * failures, every failure doubles the wait before the next attempt from there (1 s, 2 s, 4 s... up to
 * 15 minutes), and attempts during the wait are refused before the password is checked. A success clears
 * its (email, address) count only: signing in to one's own account does not wash an address's spraying.
 * The counts are in memory by default; with Redis (`RedisFailureCounts`) every instance shares them, so a guesser
 * gets no more attempts by spreading them over instances. A restart of the memory counts forgets, which is
 * acceptable for a throttle (the scrypt cost still bounds guessing).
 */
export class SignInThrottle {
  private readonly pairRule: FailureRule;
  private readonly ipRule: FailureRule;

  constructor(
    settings: Partial<SignInThrottleSettings> = {},
    private readonly now: () => number = Date.now,
    readonly counts: FailureCounts = new MemoryFailureCounts(now),
  ) {
    const { freeFailuresPerEmailAndIp, freeFailuresPerIp, firstDelayMs, maxDelayMs, forgetAfterMs } = {
      ...DEFAULT_SIGN_IN_THROTTLE,
      ...settings,
    };
    this.pairRule = { free: freeFailuresPerEmailAndIp, firstDelayMs, maxDelayMs, forgetAfterMs };
    this.ipRule = { free: freeFailuresPerIp, firstDelayMs, maxDelayMs, forgetAfterMs };
  }

  /** Seconds until this email may be tried again from this address, or 0 when it may be tried now. */
  async retryAfterSeconds(email: string, ip: string): Promise<number> {
    const blocked = await this.counts.blockedUntil([pairKey(email, ip), ipKey(ip)]);
    const waitMs = Math.max(...blocked) - this.now();
    return waitMs > 0 ? Math.ceil(waitMs / 1000) : 0;
  }

  async recordFailure(email: string, ip: string): Promise<void> {
    const now = this.now();
    await Promise.all([this.counts.fail(pairKey(email, ip), this.pairRule, now), this.counts.fail(ipKey(ip), this.ipRule, now)]);
  }

  async recordSuccess(email: string, ip: string): Promise<void> {
    await this.counts.clear(pairKey(email, ip));
  }
}

function pairKey(email: string, ip: string): string {
  return `pair ${ip} ${email}`;
}

function ipKey(ip: string): string {
  return `ip ${ip}`;
}

/** The block a failure sets once the free ones are used up: the first delay, doubled per further failure, capped. */
function blockAfter(count: number, rule: FailureRule, now: number): number | null {
  const beyondFree = count - rule.free;
  return beyondFree >= 0 ? now + Math.min(rule.maxDelayMs, rule.firstDelayMs * 2 ** Math.min(beyondFree, 30)) : null;
}

interface Failures {
  count: number;
  lastAt: number;
  blockedUntil: number;
  forgetAfterMs: number;
}

/** Entries kept at most; the longest idle is dropped first, so a flood of addresses cannot exhaust memory. */
const MAX_ENTRIES = 200_000;

/** Failures counted in this process. */
export class MemoryFailureCounts implements FailureCounts {
  private readonly entries = new Map<string, Failures>();

  constructor(private readonly now: () => number = Date.now) {}

  async blockedUntil(keys: string[]): Promise<number[]> {
    return keys.map((key) => this.current(key)?.blockedUntil ?? 0);
  }

  async fail(key: string, rule: FailureRule, now: number): Promise<void> {
    const entry = this.current(key) ?? { count: 0, lastAt: now, blockedUntil: 0, forgetAfterMs: rule.forgetAfterMs };
    entry.count += 1;
    entry.lastAt = now;
    entry.blockedUntil = blockAfter(entry.count, rule, now) ?? entry.blockedUntil;
    // Re-inserted last, so the map's first key is always the longest idle one.
    this.entries.delete(key);
    this.entries.set(key, entry);
    if (this.entries.size > MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
  }

  async clear(key: string): Promise<void> {
    this.entries.delete(key);
  }

  async close(): Promise<void> {}

  private current(key: string): Failures | undefined {
    const entry = this.entries.get(key);
    const now = this.now();
    if (entry && now - entry.lastAt >= entry.forgetAfterMs && now >= entry.blockedUntil) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }
}

// One failure, atomically: forget an idle entry, count, block past the free failures, expire once forgettable.
// KEYS[1]: the entry; ARGV: now, free, first delay, max delay, forget after (ms).
const FAIL = `
local now, free, first, max, forget = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local v = redis.call('HMGET', KEYS[1], 'count', 'lastAt', 'blockedUntil')
local count, blocked = tonumber(v[1]) or 0, tonumber(v[3]) or 0
if count > 0 and now - (tonumber(v[2]) or 0) >= forget and now >= blocked then count, blocked = 0, 0 end
count = count + 1
if count - free >= 0 then blocked = now + math.min(max, first * math.pow(2, math.min(count - free, 30))) end
redis.call('HSET', KEYS[1], 'count', count, 'lastAt', string.format('%.0f', now), 'blockedUntil', string.format('%.0f', blocked))
redis.call('PEXPIRE', KEYS[1], math.floor(math.max(0, blocked - now) + forget))
return count`;

interface FailCommand {
  signInFail(key: string, now: number, free: number, firstDelayMs: number, maxDelayMs: number, forgetAfterMs: number): Promise<number>;
}

/**
 * Failures counted in Redis, shared by every instance (entries keyed by a hash of the email and address, so neither is
 * stored there; each expires once it would be forgotten). If Redis cannot be reached, this instance counts in memory
 * until it is back (logged once): guessing is still slowed, per instance.
 */
export class RedisFailureCounts implements FailureCounts {
  private readonly redis: Redis & FailCommand;
  private readonly fallback: MemoryFailureCounts;
  private warned = false;

  constructor(
    url: string,
    /** Separates the throttles sharing one Redis (passwords, second factors). */
    private readonly namespace: string,
    logger: Logger,
    now: () => number = Date.now,
  ) {
    this.fallback = new MemoryFailureCounts(now);
    this.redis = new Redis(url, { maxRetriesPerRequest: 1, connectTimeout: 2_000 }) as Redis & FailCommand;
    this.redis.defineCommand('signInFail', { numberOfKeys: 1, lua: FAIL });
    this.redis.on('error', (error) => {
      if (!this.warned) logger.error('Sign-in throttling cannot reach Redis; this instance counts failures alone until it is back', error);
      this.warned = true;
    });
    this.redis.on('ready', () => void (this.warned = false));
  }

  async blockedUntil(keys: string[]): Promise<number[]> {
    try {
      const values = await Promise.all(keys.map((key) => this.redis.hget(this.keyOf(key), 'blockedUntil')));
      const local = await this.fallback.blockedUntil(keys);
      return values.map((value, i) => Math.max(Number(value ?? 0), local[i]!));
    } catch {
      return this.fallback.blockedUntil(keys);
    }
  }

  async fail(key: string, rule: FailureRule, now: number): Promise<void> {
    try {
      await this.redis.signInFail(this.keyOf(key), now, rule.free, rule.firstDelayMs, rule.maxDelayMs, rule.forgetAfterMs);
    } catch {
      await this.fallback.fail(key, rule, now);
    }
  }

  async clear(key: string): Promise<void> {
    await this.fallback.clear(key);
    await this.redis.del(this.keyOf(key)).catch(() => undefined);
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => undefined);
  }

  private keyOf(key: string): string {
    return `roster:sign-in-failures:${this.namespace}:${createHash('sha256').update(key).digest('hex').slice(0, 32)}`;
  }
}
