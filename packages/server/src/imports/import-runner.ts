import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AccountEntity } from '../accounts/account.entity.js';
import { PersonEntity } from '../accounts/person.entity.js';
import type { Logger } from '../core/logger.js';
import { runForRequest } from '../core/request-scope.js';
import { yieldToEventLoop } from '../core/workers/event-loop.js';
import { LeaseLost, RowLease } from '../core/workers/lease.js';
import { PollingWorker } from '../core/workers/polling-worker.js';
import { inTransaction } from '../core/db/transaction.js';
import { isUniqueViolation } from '../core/db/unique-violation.js';
import type { InvitationService } from '../invitations/index.js';
import type { EventBus } from '../core/events.js';
import { forgetReusedWebhookEndpoints, reusingWebhookEndpoints } from '../webhooks/index.js';
import { importBatch, type BatchResult, type ImportRun } from './import-batch.js';
import { ImportJobEntity, ImportJobState } from './import-job.entity.js';
import type { ImportOptions } from './import-model.js';
import { ImportRunMetrics } from './import-metrics.js';
import type { Metrics } from '../core/metrics.js';

export interface ImportRunnerOptions {
  batchSize?: number;
  /** How long a claimed job belongs to this runner without a renewal. */
  leaseMs?: number;
  /** How often the lease of the job being run is renewed, also in the middle of a long batch (default a third of leaseMs). */
  renewEveryMs?: number;
  pollMs?: number;
  workerId?: string;
  /** The time leases are judged by (tests move it). */
  now?: () => number;
  /** Called after each committed batch (tests use it to interrupt a job at a chosen point). */
  afterBatch?: (job: ImportJobEntity, processed: number) => void | Promise<void>;
}

/**
 * Rows per batch (one transaction). 250, not 500: a batch's users, invitations, rendered emails and statement
 * texts then mostly die young, in a cheap scavenge. With 500 they outlived scavenges and were promoted to the
 * old generation, which grows until a full GC: measured on 20,000 rows, 82 MB promoted with 500 and 19 MB
 * with 250, the server's peak RSS 213 MB and 182 MB, at the same speed.
 */
export const IMPORT_BATCH_SIZE = 250;

/**
 * How long a job's batches reuse the webhook endpoints they read (each batch's `user.invited` entries queue their
 * deliveries): an endpoint added, changed or disabled during an import applies to its batches within this time.
 */
const WEBHOOK_ENDPOINTS_REUSED_MS = 5_000;

/**
 * Runs started imports in the background, batch by batch. Each batch's users, invitations, emails,
 * audit entries, row outcomes and job progress commit in one transaction, so a job interrupted at any
 * point resumes from the first row without an outcome and creates nothing twice. A job is held with a
 * lease, so a dead server's job is picked up by another instance (or by this one after a restart).
 * Scheduled by the shared polling worker: one pass runs every claimable job to its end.
 */
export class ImportRunner extends PollingWorker {
  private readonly options: Required<Omit<ImportRunnerOptions, 'afterBatch'>> & Pick<ImportRunnerOptions, 'afterBatch'>;
  private readonly lease: RowLease<ImportJobEntity>;
  private stopping = false;
  private finished = 0;
  private readonly runMetrics: ImportRunMetrics | null;

  constructor(
    private readonly dataSource: DataSource,
    private readonly invitations: InvitationService,
    private readonly events: EventBus,
    private readonly logger: Logger,
    options: ImportRunnerOptions = {},
    /** Where the runs' ends are recorded (the instance's metrics; tests that build their own runner leave it out). */
    metrics?: Metrics,
  ) {
    const leaseMs = options.leaseMs ?? 30_000;
    const resolved = {
      batchSize: IMPORT_BATCH_SIZE,
      pollMs: 2_000,
      workerId: `import-${randomBytes(6).toString('hex')}`,
      now: Date.now,
      ...options,
      leaseMs,
      renewEveryMs: options.renewEveryMs ?? Math.round(leaseMs / 3),
    };
    // A job runs to its end within one pass, however long it takes (it hands back only when the runner stops).
    super(resolved.pollMs, logger, 'Import runner', null);
    this.options = resolved;
    this.runMetrics = metrics ? new ImportRunMetrics(metrics, dataSource) : null;
    this.lease = new RowLease(dataSource, {
      entity: ImportJobEntity,
      owner: resolved.workerId,
      leaseMs,
      now: resolved.now,
      held: { state: ImportJobState.RUNNING },
      describe: (id) => `Import ${id}`,
    });
  }

  override start(): void {
    this.stopping = false;
    super.start();
  }

  /** Hands the job in progress back at its next batch (the next runner resumes it at once) and waits for that. */
  override async stop(): Promise<void> {
    this.stopping = true;
    await super.stop();
  }

  /** Runs every claimable job to its end; resolves with how many jobs it finished. */
  async runAll(): Promise<number> {
    const before = this.finished;
    await this.drain();
    return this.finished - before;
  }

  /** One step of a pass: claim one job and run it. Resolves 0 when there was nothing to do. */
  async runOnce(signal?: AbortSignal): Promise<number> {
    if (this.stopping || signal?.aborted) return 0;
    const job = await this.lease.claim({
      claimable: 'state = :running',
      parameters: { running: ImportJobState.RUNNING },
      orderBy: 'started_at',
    });
    if (!job) return 0;
    if (await this.run(job)) this.finished++;
    return 1;
  }

  /** Processes a claimed job until it is finished (true) or its lease is lost or stopping (false); its lease is renewed meanwhile. */
  private run(job: ImportJobEntity): Promise<boolean> {
    // Log lines of the job carry the id of the request that started it.
    return runForRequest(job.requestId, async () => {
      const started = Date.now();
      this.logger.info(`Import ${job.id} claimed`, { importJobId: job.id, processedRows: job.processedRows, totalRows: job.totalRows });
      const leased = (lost: AbortSignal) => this.runLeased(job, () => lost.aborted);
      const finished = await reusingWebhookEndpoints(WEBHOOK_ENDPOINTS_REUSED_MS, () =>
        this.lease.keepWhile(job.id, this.options.renewEveryMs, this.logger, leased),
      );
      const durationMs = Date.now() - started;
      this.logger.info(`Import ${job.id} left: ${finished ? 'finished' : 'handed back'}`, { importJobId: job.id, durationMs });
      return finished;
    });
  }

  private async runLeased(job: ImportJobEntity, leaseLost: () => boolean): Promise<boolean> {
    const run = await this.readRun(job);
    for (;;) {
      if (leaseLost()) return false;
      if (this.stopping) {
        // A clean shutdown hands the job back at once instead of making the next runner wait for the lease.
        await this.dataSource
          .getRepository(ImportJobEntity)
          .update({ id: job.id, leaseOwner: this.options.workerId }, { leaseOwner: null, leaseUntil: null });
        return false;
      }
      let result: BatchResult;
      try {
        result = await this.withConflictRetry(() =>
          inTransaction(this.dataSource, (manager) =>
            importBatch(manager, run, { invitations: this.invitations, lease: this.lease, batchSize: this.options.batchSize }),
          ),
        );
      } catch (error) {
        if (!(error instanceof LeaseLost)) throw error;
        // Cancelled by an admin (or taken over) since the last batch: this batch rolled back, what was written
        // before stays (cancel.ts says where it stopped).
        await this.runMetrics?.stopped(job.id);
        return false;
      }
      if (result.created.length) this.invitations.announceInvited(job.accountId, result.created, run.options.sendEmails);
      this.events.publish({ accountId: job.accountId, type: 'import.progress', userIds: [], jobId: job.id, at: new Date() });
      if (result.finished) {
        this.runMetrics?.finished(job);
        return true;
      }
      await this.options.afterBatch?.(job, result.processed);
      // better-sqlite3 answers synchronously, so without this pause a long import would keep the event loop
      // to itself and no request (not even the progress poll) would be served until it ends.
      await yieldToEventLoop();
    }
  }

  /** What every batch of the job uses, read once per job. */
  private async readRun(job: ImportJobEntity): Promise<ImportRun> {
    const account = await this.dataSource.getRepository(AccountEntity).findOneByOrFail({ id: job.accountId });
    const person = job.createdByPersonId
      ? await this.dataSource
          .getRepository(PersonEntity)
          .findOne({ where: { id: job.createdByPersonId }, select: { name: true, email: true } })
      : null;
    const options = JSON.parse(job.options ?? '{}') as ImportOptions;
    return { job, options, account, inviter: person ? { name: person.name, email: person.email } : null };
  }

  /**
   * Another import or admin may create the same email at the same moment: redo the batch, which then sees it.
   * A company, group or webhook endpoint deleted while the batch used it fails it on a foreign key: redo it too,
   * reading them again.
   */
  private async withConflictRetry<T>(work: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await work();
      } catch (error) {
        const foreignKey = isForeignKeyViolation(error);
        if (!(foreignKey || isUniqueViolation(error)) || attempt >= 10) throw error;
        if (foreignKey) forgetReusedWebhookEndpoints();
      }
    }
  }
}

/** An insert named a row that no longer exists (MySQL/MariaDB or SQLite). */
function isForeignKeyViolation(error: unknown): boolean {
  const e = error as { code?: string; driverError?: { code?: string } };
  const code = e?.driverError?.code ?? e?.code;
  return code === 'ER_NO_REFERENCED_ROW_2' || code === 'ER_NO_REFERENCED_ROW' || code === 'SQLITE_CONSTRAINT_FOREIGNKEY';
}
