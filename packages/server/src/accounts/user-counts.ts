import type { EventBus } from '../core/events.js';

export interface UserCountOptions {
  /** Counts below this are read again on every page (reading them costs less than a stale number). */
  cacheFrom?: number;
  /** How long a large count is reused when no event of its account has said it changed. */
  ttlMs?: number;
  /** Most counts kept at once (all accounts together); the oldest go first. */
  maxEntries?: number;
  now?: () => number;
}

interface Entry {
  n: number;
  at: number;
}

/**
 * The Users page's totalCount, computed once per list view (account + filter) and reused by its next pages, so
 * paging through a large account does not count it on every request. Every change to an account's users publishes
 * an account event (core/events.ts; with REDIS_URL the events of every instance arrive here), and any event of
 * the account drops its counts, so a reused count is exact; the time limit only bounds a change made outside
 * Roster. Small counts (the usual account) are never reused. A count started before an event is not kept.
 *
 * Chosen over counters kept per account and status in the writers' transactions: those would have to be updated by
 * every writer of memberships (invitations, imports, SCIM, syncs, user admin, uninvite), would serialise concurrent
 * imports of one account on the counter row, and still would not answer the company, group, role or search counts.
 */
export class UserCounts {
  private readonly entries = new Map<string, Entry>();
  private readonly generations = new Map<string, number>();
  private readonly pending = new Map<string, Promise<number>>();
  private readonly cacheFrom: number;
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(events: EventBus | undefined, options: UserCountOptions = {}) {
    this.cacheFrom = options.cacheFrom ?? 5_000;
    this.ttlMs = options.ttlMs ?? 60_000;
    this.maxEntries = options.maxEntries ?? 2_000;
    this.now = options.now ?? Date.now;
    events?.subscribe((event) => this.changed(event.accountId));
    events?.onMissedEvents?.(() => this.entries.clear());
  }

  /** The count for `key` in `accountId`, from `compute` unless a fresh large one is known. */
  async count(accountId: string, key: string, compute: () => Promise<number>): Promise<number> {
    const id = `${accountId}\u0000${key}`;
    const known = this.entries.get(id);
    if (known && this.now() - known.at < this.ttlMs) return known.n;
    const running = this.pending.get(id);
    if (running) return running;
    const generation = this.generations.get(accountId) ?? 0;
    const started = this.now();
    const promise = compute()
      .then((n) => {
        if (n >= this.cacheFrom && (this.generations.get(accountId) ?? 0) === generation) this.keep(id, { n, at: started });
        return n;
      })
      .finally(() => {
        if (this.pending.get(id) === promise) this.pending.delete(id);
      });
    this.pending.set(id, promise);
    return promise;
  }

  private changed(accountId: string): void {
    this.generations.set(accountId, (this.generations.get(accountId) ?? 0) + 1);
    const prefix = `${accountId}\u0000`;
    for (const id of this.entries.keys()) if (id.startsWith(prefix)) this.entries.delete(id);
    // A count running now may have read the rows before the change: the generation check keeps it out.
    for (const id of this.pending.keys()) if (id.startsWith(prefix)) this.pending.delete(id);
  }

  private keep(id: string, entry: Entry): void {
    this.entries.delete(id);
    this.entries.set(id, entry);
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }
}
