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

interface Failures {
  count: number;
  lastAt: number;
  /** No attempt is looked at before this time. */
  blockedUntil: number;
}

/** Entries kept per map at most; the oldest is dropped first, so a flood of addresses cannot exhaust memory. */
const MAX_ENTRIES = 100_000;

/**
 * Slows down password guessing without handing anyone a way to lock others out. Failures are counted per
 * (email, address) and per address, never per email alone: a stranger's wrong passwords slow the stranger
 * down, while the owner of the email signing in from their own address is not affected. Past the free
 * failures, every failure doubles the wait before the next attempt from there (1 s, 2 s, 4 s... up to
 * 15 minutes), and attempts during the wait are refused before the password is checked. A success clears
 * its (email, address) count only: signing in to one's own account does not wash an address's spraying.
 * In memory: a restart forgets, which is acceptable for a throttle (the scrypt cost still bounds guessing).
 */
export class SignInThrottle {
  private readonly byEmailAndIp = new Map<string, Failures>();
  private readonly byIp = new Map<string, Failures>();
  private readonly settings: SignInThrottleSettings;

  constructor(
    settings: Partial<SignInThrottleSettings> = {},
    private readonly now: () => number = Date.now,
  ) {
    this.settings = { ...DEFAULT_SIGN_IN_THROTTLE, ...settings };
  }

  /** Seconds until this email may be tried again from this address, or 0 when it may be tried now. */
  retryAfterSeconds(email: string, ip: string): number {
    const waitMs = Math.max(this.waitOf(this.byEmailAndIp, pairKey(email, ip)), this.waitOf(this.byIp, ip));
    return waitMs > 0 ? Math.ceil(waitMs / 1000) : 0;
  }

  recordFailure(email: string, ip: string): void {
    this.count(this.byEmailAndIp, pairKey(email, ip), this.settings.freeFailuresPerEmailAndIp);
    this.count(this.byIp, ip, this.settings.freeFailuresPerIp);
  }

  recordSuccess(email: string, ip: string): void {
    this.byEmailAndIp.delete(pairKey(email, ip));
  }

  private waitOf(map: Map<string, Failures>, key: string): number {
    const entry = this.current(map, key);
    return entry ? entry.blockedUntil - this.now() : 0;
  }

  private count(map: Map<string, Failures>, key: string, free: number): void {
    const now = this.now();
    const entry = this.current(map, key) ?? { count: 0, lastAt: now, blockedUntil: 0 };
    entry.count += 1;
    entry.lastAt = now;
    const beyondFree = entry.count - free;
    if (beyondFree >= 0)
      entry.blockedUntil = now + Math.min(this.settings.maxDelayMs, this.settings.firstDelayMs * 2 ** Math.min(beyondFree, 30));
    // Re-inserted last, so the map's first key is always the longest idle one.
    map.delete(key);
    map.set(key, entry);
    if (map.size > MAX_ENTRIES) map.delete(map.keys().next().value!);
  }

  private current(map: Map<string, Failures>, key: string): Failures | undefined {
    const entry = map.get(key);
    if (entry && this.now() - entry.lastAt >= this.settings.forgetAfterMs && this.now() >= entry.blockedUntil) {
      map.delete(key);
      return undefined;
    }
    return entry;
  }
}

function pairKey(email: string, ip: string): string {
  return `${ip} ${email}`;
}
