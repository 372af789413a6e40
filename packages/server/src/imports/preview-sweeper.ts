import { LessThan, type DataSource } from 'typeorm';
import { inTransaction } from '../core/db/transaction.js';
import type { Logger } from '../core/logger.js';
import { PollingWorker } from '../core/workers/polling-worker.js';
import { ImportJobEntity, ImportJobState } from './import-job.entity.js';
import { ImportRowEntity } from './import-row.entity.js';

/** A preview not started within this long expires. */
export const PREVIEW_LIFETIME_MS = 24 * 60 * 60_000;

export const EXPIRED_PREVIEW_MESSAGE = 'This preview was not started within a day, so its rows were removed. Upload the file again.';

export interface ImportPreviewSweeperOptions {
  /** How often a pass runs (default every 15 minutes). */
  intervalMs?: number;
  /** The clock previews are aged by (tests move it). */
  now?: () => Date;
}

/**
 * Previews nobody started (the admin uploaded a file and went away) keep every row of the file. After a day the
 * job becomes EXPIRED, stays in the list of past imports with that reason, and its rows are deleted. The state
 * change is conditional on PREVIEW, so a preview being started at that moment is either started or expired,
 * never both. Scheduled by the shared polling worker: a pass expires batches of 50 jobs until none is left.
 */
export class ImportPreviewSweeper extends PollingWorker {
  private readonly now: () => Date;

  constructor(
    private readonly dataSource: DataSource,
    logger: Logger,
    options: ImportPreviewSweeperOptions = {},
  ) {
    super(options.intervalMs ?? 15 * 60_000, logger, 'Import preview sweep');
    this.now = options.now ?? (() => new Date());
  }

  runOnce(): Promise<number> {
    return this.sweep();
  }

  /** Expires the previews older than a day and deletes their rows; resolves with how many it expired. */
  async sweep(): Promise<number> {
    const now = this.now();
    const due = await this.dataSource.getRepository(ImportJobEntity).find({
      where: { state: ImportJobState.PREVIEW, createdAt: LessThan(new Date(now.getTime() - PREVIEW_LIFETIME_MS)) },
      select: { id: true },
      order: { createdAt: 'ASC' },
      take: 50,
    });
    let expired = 0;
    for (const job of due) {
      const done = await inTransaction(this.dataSource, async (manager) => {
        const flipped = await manager.update(
          ImportJobEntity,
          { id: job.id, state: ImportJobState.PREVIEW },
          { state: ImportJobState.EXPIRED, error: EXPIRED_PREVIEW_MESSAGE, finishedAt: now },
        );
        if (!flipped.affected) return false;
        await manager.delete(ImportRowEntity, { jobId: job.id });
        return true;
      });
      if (done) expired++;
    }
    return expired;
  }
}
