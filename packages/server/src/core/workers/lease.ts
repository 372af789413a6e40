import type { DataSource, EntityManager, EntityTarget, FindOptionsWhere, ObjectLiteral } from 'typeorm';
import type { Logger } from '../logger.js';
import { toSqlDateTime } from '../db/columns.js';

/**
 * Leases: how a background worker holds a row (an import job, a sync run, an email batch, a webhook delivery)
 * so that of several instances only one works on it, and a dead instance's row is taken over when its lease
 * runs out. The row carries `lease_owner` and `lease_until` (see lease-columns.ts); every write a worker makes
 * while it works is conditional on still being the owner.
 */

/** The work's lease was taken over, ended or cancelled elsewhere: the work stops without writing. */
export class LeaseLost extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LeaseLost';
  }
}

export interface LeaseKeeper {
  /** Aborts when the lease is lost: renewing found it taken over or ended, or could not be written. */
  readonly lost: AbortSignal;
  stop(): void;
}

/**
 * Renews a lease every `everyMs` while work goes on, so a long step (a slow vendor page, a long pass) does not
 * let another instance take the same item. `renew` resolves false when the lease is no longer ours; the
 * `lost` signal then aborts, so the work stops instead of writing over its successor. A renewal that fails
 * (database busy) is tried again at the next tick; the lease is long enough for a few misses.
 */
export function keepLease(renew: () => Promise<boolean>, everyMs: number, logger: Logger, what: string): LeaseKeeper {
  const controller = new AbortController();
  let renewing = false;
  const timer = setInterval(() => {
    if (renewing || controller.signal.aborted) return;
    renewing = true;
    renew()
      .then((held) => {
        if (!held) controller.abort(new LeaseLost(`${what}: the lease was taken over or the work ended elsewhere.`));
      })
      .catch((error) => logger.error(`${what}: renewing the lease failed; trying again`, error))
      .finally(() => (renewing = false));
  }, everyMs);
  timer.unref?.();
  return {
    lost: controller.signal,
    stop: () => clearInterval(timer),
  };
}

/** The SQL condition (for a query builder, with a `:now` parameter) under which a row may be claimed. */
export const LEASE_FREE = '(lease_owner IS NULL OR lease_until < :now)';

/** A row that is worked on under a lease (the columns of lease-columns.ts). */
export interface LeasedRow extends ObjectLiteral {
  id: string;
  leaseOwner: string | null;
  leaseUntil: Date | null;
}

export interface RowLeaseOptions<T extends LeasedRow> {
  entity: EntityTarget<T>;
  /** This instance's name, written to `lease_owner`. */
  owner: string;
  /** How long a claimed row belongs to the owner without a renewal. */
  leaseMs: number;
  /** The clock leases are judged by (tests move it). */
  now: () => number;
  /** The row's own condition for being worked on (e.g. its state is RUNNING); writes under the lease also require it. */
  held: Partial<T>;
  /** Names a row in log and error messages, e.g. `Import 123`. */
  describe: (id: string) => string;
}

/**
 * One row lease, the same for every worker that holds one row at a time (imports, syncs): claim the oldest
 * claimable row with a conditional UPDATE only one instance can win, push the lease forward, write only while
 * it is held, and hand it back.
 */
export class RowLease<T extends LeasedRow> {
  constructor(
    private readonly dataSource: DataSource,
    private readonly options: RowLeaseOptions<T>,
  ) {}

  /** When a lease taken or renewed now runs out. */
  until(): Date {
    return new Date(this.options.now() + this.options.leaseMs);
  }

  /**
   * Claims the oldest row (by the column `orderBy`) whose `claimable` SQL condition (unqualified column names)
   * holds and whose lease is free, setting `set` with the lease; null when there is none (or every candidate was taken by another instance first).
   */
  async claim(claim: { claimable: string; parameters: Record<string, unknown>; orderBy: string; set?: Partial<T> }): Promise<T | null> {
    const repo = this.dataSource.getRepository(this.options.entity);
    const now = toSqlDateTime(new Date(this.options.now()));
    const candidates = await repo
      .createQueryBuilder('row')
      .select(['row.id'])
      .where(claim.claimable, claim.parameters)
      .andWhere(LEASE_FREE, { now })
      .orderBy(`row.${claim.orderBy}`, 'ASC')
      .limit(5)
      .getMany();
    for (const candidate of candidates) {
      const taken = await repo
        .createQueryBuilder()
        .update()
        .set({ ...claim.set, leaseOwner: this.options.owner, leaseUntil: new Date(this.options.now() + this.options.leaseMs) } as never)
        .where(`id = :id AND ${claim.claimable}`, { ...claim.parameters, id: candidate.id })
        .andWhere(LEASE_FREE, { now })
        .execute();
      if (taken.affected) return repo.findOneByOrFail({ id: candidate.id } as FindOptionsWhere<T>);
    }
    return null;
  }

  /** Pushes the lease forward; false when the row is no longer held (taken over, cancelled, finished). */
  async extend(id: string): Promise<boolean> {
    const updated = await this.dataSource
      .getRepository(this.options.entity)
      .update(this.heldWhere(id), { leaseUntil: this.until() } as never);
    return Boolean(updated.affected);
  }

  /** Writes `changes` only while the lease is held (inside the caller's transaction); otherwise throws LeaseLost. */
  async write(manager: EntityManager, id: string, changes: Partial<T>): Promise<void> {
    const updated = await manager.update(this.options.entity, this.heldWhere(id), changes as never);
    if (!updated.affected) throw new LeaseLost(`${this.options.describe(id)} was cancelled or taken over.`);
  }

  /** Renews the lease every `everyMs` while `work` runs; `work` is told when the lease is lost. */
  async keepWhile<R>(id: string, everyMs: number, logger: Logger, work: (lost: AbortSignal) => Promise<R>): Promise<R> {
    const lease = keepLease(() => this.extend(id), everyMs, logger, this.options.describe(id));
    try {
      return await work(lease.lost);
    } finally {
      lease.stop();
    }
  }

  private heldWhere(id: string): FindOptionsWhere<T> {
    return { ...this.options.held, id, leaseOwner: this.options.owner } as FindOptionsWhere<T>;
  }
}
