import { randomBytes } from 'node:crypto';
import { DataSource, type EntityManager } from 'typeorm';
import { AccountEntity } from '../accounts/account.entity.js';
import { claimSeats, seatRefusal, UserSource, UserStatus } from '../accounts/index.js';
import type { Logger } from '../core/logger.js';
import { runForRequest } from '../core/request-scope.js';
import { recordAudit } from '../audit/index.js';
import { newId } from '../core/db/columns.js';
import { yieldToEventLoop } from '../core/workers/event-loop.js';
import { LeaseLost, RowLease } from '../core/workers/lease.js';
import { PollingWorker } from '../core/workers/polling-worker.js';
import { CompanyEntity } from '../companies/company.entity.js';
import { inTransaction } from '../core/db/transaction.js';
import { GroupEntity } from '../groups/group.entity.js';
import { isUniqueViolation } from '../core/db/unique-violation.js';
import type { InvitationService, NewInvitation } from '../invitations/index.js';
import type { EventBus } from '../core/events.js';
import { ImportJobEntity, ImportJobState } from './import-job.entity.js';
import type { ImportOptions } from './import-model.js';
import { existingMembers } from './existing-members.js';
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
      const finished = await this.lease.keepWhile(job.id, this.options.renewEveryMs, this.logger, leased);
      const durationMs = Date.now() - started;
      this.logger.info(`Import ${job.id} left: ${finished ? 'finished' : 'handed back'}`, { importJobId: job.id, durationMs });
      return finished;
    });
  }

  private async runLeased(job: ImportJobEntity, leaseLost: () => boolean): Promise<boolean> {
    const options = JSON.parse(job.options ?? '{}') as ImportOptions;
    // Read once per job, not once per batch: the emails of the whole import carry the same account name.
    const account = await this.dataSource.getRepository(AccountEntity).findOneByOrFail({ id: job.accountId });
    for (;;) {
      if (leaseLost()) return false;
      if (this.stopping) {
        // A clean shutdown hands the job back at once instead of making the next runner wait for the lease.
        await this.dataSource
          .getRepository(ImportJobEntity)
          .update({ id: job.id, leaseOwner: this.options.workerId }, { leaseOwner: null, leaseUntil: null });
        return false;
      }
      // Cancelled by an admin since the last batch: stop here; what was written stays (cancel.ts says where it stopped).
      if (await this.cancelled(job.id)) {
        await this.runMetrics?.stopped(job.id);
        return false;
      }
      let result: { processed: number; created: NewInvitation[]; finished: boolean };
      try {
        result = await this.withConflictRetry(() => this.processBatch(job, account, options));
      } catch (error) {
        if (error instanceof LeaseLost) return false;
        throw error;
      }
      if (result.created.length) this.invitations.announceInvited(job.accountId, result.created, options.sendEmails);
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

  /** Whether the job stopped running under this runner (an admin cancelled it, or another runner took it over). */
  private async cancelled(jobId: string): Promise<boolean> {
    const held = await this.dataSource
      .getRepository(ImportJobEntity)
      .existsBy({ id: jobId, state: ImportJobState.RUNNING, leaseOwner: this.options.workerId });
    return !held;
  }

  /** Another import or admin may create the same email at the same moment: redo the batch, which then sees it. */
  private async withConflictRetry<T>(work: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await work();
      } catch (error) {
        if (!isUniqueViolation(error) || attempt >= 10) throw error;
      }
    }
  }

  private async processBatch(
    job: ImportJobEntity,
    account: AccountEntity,
    options: ImportOptions,
  ): Promise<{ processed: number; created: NewInvitation[]; finished: boolean }> {
    return inTransaction(this.dataSource, async (manager) => {
      const rows = await this.pendingRows(manager, job.id);
      const now = new Date();
      if (rows.length === 0) {
        await this.lease.write(manager, job.id, { state: ImportJobState.FINISHED, finishedAt: now, leaseOwner: null, leaseUntil: null });
        // Committed with the job's end, so the audit log and the import.finished webhook cannot miss it.
        await recordAudit(manager, job.accountId, { type: 'PERSON', id: job.createdByPersonId }, [
          {
            action: 'import.finished',
            targetId: job.id,
            details: { fileName: job.fileName, rows: job.processedRows, outcomes: JSON.parse(job.outcomes ?? '{}') },
          },
        ]);
        return { processed: 0, created: [], finished: true };
      }
      const candidates = rows.filter(
        (r) => r.email && (r.verdict === 'NEW' || r.verdict === 'ALREADY_MEMBER' || r.verdict === 'ALREADY_INVITED'),
      );
      const existingByEmail = await existingMembers(
        manager,
        job.accountId,
        candidates.map((r) => r.email!),
      );
      const fresh = candidates.filter((r) => !existingByEmail.has(r.email!));
      // Seats before any write (the account lock comes first): the rows past the limit are not imported, in file order.
      const claim = await claimSeats(manager, job.accountId, fresh.length);
      const toCreate = fresh.slice(0, claim.granted);
      const pastLimit = new Set(fresh.slice(claim.granted));
      const companies = await this.resolveNames(
        manager,
        CompanyEntity,
        job.accountId,
        toCreate.map((r) => r.company).filter((c): c is string => !!c),
        options.unknownCompanies === 'CREATE',
      );
      const groups = await this.resolveNames(
        manager,
        GroupEntity,
        job.accountId,
        toCreate.flatMap((r) => (r.groups ? (JSON.parse(r.groups) as string[]) : [])),
        options.unknownGroups === 'CREATE',
      );

      const created = await this.invitations.createWithin(
        manager,
        account,
        job.createdByPersonId,
        { type: 'PERSON', id: job.createdByPersonId },
        toCreate.map((row) => ({
          email: row.email!,
          name: row.name,
          jobTitle: row.jobTitle,
          role: (row.role as ImportOptions['defaultRole'] | null) ?? options.defaultRole,
          companyId: row.company ? (companies.get(row.company.toLowerCase()) ?? null) : null,
          groupIds: row.groups
            ? (JSON.parse(row.groups) as string[]).map((g) => groups.get(g.toLowerCase())).filter((id): id is string => !!id)
            : null,
        })),
        { sendEmail: options.sendEmails, source: UserSource.CSV },
      );
      const createdByEmail = new Map(created.map((c) => [c.membership.email, c.membership.id]));

      const counts = JSON.parse(job.outcomes ?? '{}') as Record<string, number>;
      for (const row of rows) {
        const member = row.email ? existingByEmail.get(row.email) : undefined;
        if (row.verdict === 'INVALID' || row.verdict === 'DUPLICATE') {
          row.outcome = row.verdict;
          row.outcomeReason = row.reason;
        } else if (pastLimit.has(row)) {
          row.outcome = 'SEAT_LIMIT';
          row.outcomeReason = `Not imported. ${seatRefusal(claim)}`;
        } else if (member) {
          row.outcome = member.status === UserStatus.INVITED ? 'ALREADY_INVITED' : 'ALREADY_MEMBER';
          row.outcomeReason = member.status === UserStatus.INVITED ? 'Already invited.' : 'Already a member of this account.';
          row.userId = member.id;
        } else {
          row.outcome = 'INVITED';
          row.userId = createdByEmail.get(row.email!) ?? null;
          const skipped = [
            ...(row.company && !companies.has(row.company.toLowerCase()) ? [`company "${row.company}"`] : []),
            ...(row.groups
              ? (JSON.parse(row.groups) as string[]).filter((g) => !groups.has(g.toLowerCase())).map((g) => `group "${g}"`)
              : []),
          ];
          row.outcomeReason = skipped.length ? `Invited; not added to unknown ${skipped.join(', ')}.` : null;
        }
        counts[row.outcome!] = (counts[row.outcome!] ?? 0) + 1;
      }
      await writeOutcomes(manager, job.id, rows);
      const processed = job.processedRows + rows.length;
      await this.lease.write(manager, job.id, {
        processedRows: processed,
        outcomes: JSON.stringify(counts),
        leaseUntil: this.lease.until(),
      });
      job.processedRows = processed;
      job.outcomes = JSON.stringify(counts);
      return { processed, created, finished: false };
    });
  }

  /**
   * The next rows without an outcome, in file order: only the columns the import needs (not the cells as
   * read, the largest column), as plain rows rather than entities.
   */
  private async pendingRows(manager: EntityManager, jobId: string): Promise<PendingRow[]> {
    const q = (name: string) => manager.connection.driver.escape(name);
    const columns = ['email', 'name', 'role', 'company', 'groups', 'verdict', 'reason'].map((column) => `${q(column)} AS ${q(column)}`);
    columns.push(`${q('job_title')} AS ${q('jobTitle')}`);
    const rows: Array<Omit<PendingRow, 'rowIndex'> & { rowIndex: number | string }> = await manager.query(
      `SELECT ${q('row_index')} AS ${q('rowIndex')}, ${columns.join(', ')} FROM ${q('import_rows')}` +
        ` WHERE ${q('job_id')} = ? AND ${q('outcome')} IS NULL AND ${q('verdict')} <> 'HEADER' ORDER BY ${q('row_index')} LIMIT ${Number(this.options.batchSize)}`,
      [jobId],
    );
    // One literal shape for every row (a spread of the driver's row makes a slower, larger dictionary object).
    return rows.map((row) => ({
      rowIndex: Number(row.rowIndex),
      email: row.email,
      name: row.name,
      jobTitle: row.jobTitle,
      role: row.role,
      company: row.company,
      groups: row.groups,
      verdict: row.verdict,
      reason: row.reason,
      outcome: null,
      outcomeReason: null,
      userId: null,
    }));
  }

  /** Maps names (case-insensitively) to ids, creating the missing ones when asked. */
  private async resolveNames(
    manager: EntityManager,
    entity: typeof CompanyEntity | typeof GroupEntity,
    accountId: string,
    names: string[],
    create: boolean,
  ): Promise<Map<string, string>> {
    const wanted = new Map(names.map((n) => [n.toLowerCase(), n]));
    if (wanted.size === 0) return new Map();
    const all = await manager.getRepository(entity).find({ where: { accountId }, select: { id: true, name: true } });
    const ids = new Map(all.filter((row) => wanted.has(row.name.toLowerCase())).map((row) => [row.name.toLowerCase(), row.id]));
    if (create) {
      const missing = [...wanted.entries()].filter(([key]) => !ids.has(key));
      if (missing.length) {
        const rows = missing.map(([key, name]) => {
          const id = newId();
          ids.set(key, id);
          return entity === CompanyEntity
            ? { id, accountId, name, externalId: null, createdAt: new Date() }
            : { id, accountId, name, description: null, externalId: null, createdAt: new Date() };
        });
        await manager.insert(entity, rows);
      }
    }
    return ids;
  }
}

/** What the runner reads of an import row, and the outcome it decides. */
interface PendingRow {
  rowIndex: number;
  email: string | null;
  name: string | null;
  jobTitle: string | null;
  role: string | null;
  company: string | null;
  groups: string | null;
  verdict: string;
  reason: string | null;
  outcome: string | null;
  outcomeReason: string | null;
  userId: string | null;
}

/**
 * Sets the outcome of a batch's rows with one UPDATE (a CASE per column, keyed by row index) instead of
 * deleting and re-inserting them with their cells.
 */
async function writeOutcomes(manager: EntityManager, jobId: string, rows: PendingRow[]): Promise<void> {
  if (rows.length === 0) return;
  const escape = (name: string) => manager.connection.driver.escape(name);
  const parameters: unknown[] = [];
  const caseOf = (column: string, value: (row: PendingRow) => string | null) => {
    for (const row of rows) parameters.push(row.rowIndex, value(row));
    return `${escape(column)} = CASE ${escape('row_index')} ${new Array<string>(rows.length).fill('WHEN ? THEN ?').join(' ')} END`;
  };
  const sets = [caseOf('outcome', (r) => r.outcome), caseOf('outcome_reason', (r) => r.outcomeReason), caseOf('user_id', (r) => r.userId)];
  parameters.push(jobId, ...rows.map((r) => r.rowIndex));
  await manager.query(
    `UPDATE ${escape('import_rows')} SET ${sets.join(', ')} WHERE ${escape('job_id')} = ? AND ${escape('row_index')} IN (${new Array<string>(rows.length).fill('?').join(', ')})`,
    parameters,
  );
}
