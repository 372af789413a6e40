import type { EntityManager } from 'typeorm';
import type { AccountEntity } from '../accounts/account.entity.js';
import { claimSeats, seatRefusal, UserSource, UserStatus } from '../accounts/index.js';
import { recordAudit } from '../audit/index.js';
import { CompanyEntity } from '../companies/company.entity.js';
import { newId } from '../core/db/columns.js';
import type { RowLease } from '../core/workers/lease.js';
import { GroupEntity } from '../groups/group.entity.js';
import type { InvitationService, Inviter, NewInvitation } from '../invitations/index.js';
import { ImportJobEntity, ImportJobState } from './import-job.entity.js';
import type { ImportOptions } from './import-model.js';

/** What every batch of a job needs, read once when the runner takes the job (not once per batch). */
export interface ImportRun {
  job: ImportJobEntity;
  options: ImportOptions;
  /** The emails of the whole import carry the same account name. */
  account: AccountEntity;
  /** Whoever started the import, named in every invitation email. */
  inviter: Inviter | null;
}

export interface BatchResult {
  processed: number;
  created: NewInvitation[];
  finished: boolean;
}

/**
 * One batch of a job, inside the caller's transaction: the next rows without an outcome become users,
 * invitations, emails and audit entries, and get their outcomes, and the job its progress, all conditional on
 * the lease (a job cancelled or taken over meanwhile throws LeaseLost and the transaction rolls back). With no
 * row left, the job is finished.
 */
export async function importBatch(
  manager: EntityManager,
  run: ImportRun,
  deps: { invitations: InvitationService; lease: RowLease<ImportJobEntity>; batchSize: number },
): Promise<BatchResult> {
  const { job, options, account } = run;
  const rows = await pendingRows(manager, job, deps.batchSize);
  const now = new Date();
  if (rows.length === 0) {
    await deps.lease.write(manager, job.id, { state: ImportJobState.FINISHED, finishedAt: now, leaseOwner: null, leaseUntil: null });
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
  const candidate = (r: PendingRow) =>
    r.email && (r.verdict === 'NEW' || r.verdict === 'ALREADY_MEMBER' || r.verdict === 'ALREADY_INVITED');
  const fresh = rows.filter((r) => candidate(r) && r.memberId === null);
  // Seats before any write (the account lock comes first): the rows past the limit are not imported, in file order.
  const claim = await claimSeats(manager, job.accountId, fresh.length);
  const toCreate = fresh.slice(0, claim.granted);
  const pastLimit = new Set(fresh.slice(claim.granted));
  const companies = await resolveNames(
    manager,
    CompanyEntity,
    job.accountId,
    toCreate.map((r) => r.company).filter((c): c is string => !!c),
    options.unknownCompanies === 'CREATE',
  );
  const groups = await resolveNames(
    manager,
    GroupEntity,
    job.accountId,
    toCreate.flatMap((r) => (r.groups ? (JSON.parse(r.groups) as string[]) : [])),
    options.unknownGroups === 'CREATE',
  );

  const created = await deps.invitations.createWithin(
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
    { sendEmail: options.sendEmails, source: UserSource.CSV, inviter: run.inviter },
  );
  const createdByEmail = new Map(created.map((c) => [c.membership.email, c.membership.id]));

  const counts = JSON.parse(job.outcomes ?? '{}') as Record<string, number>;
  for (const row of rows) {
    if (row.verdict === 'INVALID' || row.verdict === 'DUPLICATE') {
      row.outcome = row.verdict;
      row.outcomeReason = row.reason;
    } else if (pastLimit.has(row)) {
      row.outcome = 'SEAT_LIMIT';
      row.outcomeReason = `Not imported. ${seatRefusal(claim)}`;
    } else if (row.memberId !== null && candidate(row)) {
      row.outcome = row.memberStatus === UserStatus.INVITED ? 'ALREADY_INVITED' : 'ALREADY_MEMBER';
      row.outcomeReason = row.memberStatus === UserStatus.INVITED ? 'Already invited.' : 'Already a member of this account.';
      row.userId = row.memberId;
    } else {
      row.outcome = 'INVITED';
      row.userId = createdByEmail.get(row.email!) ?? null;
      const skipped = [
        ...(row.company && !companies.has(row.company.toLowerCase()) ? [`company "${row.company}"`] : []),
        ...(row.groups ? (JSON.parse(row.groups) as string[]).filter((g) => !groups.has(g.toLowerCase())).map((g) => `group "${g}"`) : []),
      ];
      row.outcomeReason = skipped.length ? `Invited; not added to unknown ${skipped.join(', ')}.` : null;
    }
    counts[row.outcome!] = (counts[row.outcome!] ?? 0) + 1;
  }
  await writeOutcomes(manager, job.id, rows);
  const processed = job.processedRows + rows.length;
  await deps.lease.write(manager, job.id, { processedRows: processed, outcomes: JSON.stringify(counts), leaseUntil: deps.lease.until() });
  job.processedRows = processed;
  job.outcomes = JSON.stringify(counts);
  return { processed, created, finished: false };
}

/** What the runner reads of an import row (with the account's user of its email, if any), and the outcome it decides. */
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
  memberId: string | null;
  memberStatus: string | null;
  outcome: string | null;
  outcomeReason: string | null;
  userId: string | null;
}

/**
 * The next rows without an outcome, in file order, each with the account's user of the same email (one query
 * for the rows and the users they name): only the columns the import needs (not the cells as read, the largest
 * column), as plain rows rather than entities.
 */
async function pendingRows(manager: EntityManager, job: ImportJobEntity, batchSize: number): Promise<PendingRow[]> {
  const q = (name: string) => manager.connection.driver.escape(name);
  const columns = ['email', 'name', 'role', 'company', 'groups', 'verdict', 'reason'].map((column) => `r.${q(column)} AS ${q(column)}`);
  columns.push(`r.${q('job_title')} AS ${q('jobTitle')}`, `m.${q('id')} AS ${q('memberId')}`, `m.${q('status')} AS ${q('memberStatus')}`);
  const rows: Array<Omit<PendingRow, 'rowIndex'> & { rowIndex: number | string }> = await manager.query(
    `SELECT r.${q('row_index')} AS ${q('rowIndex')}, ${columns.join(', ')} FROM ${q('import_rows')} r` +
      ` LEFT JOIN ${q('memberships')} m ON m.${q('account_id')} = ? AND m.${q('email')} = r.${q('email')}` +
      ` WHERE r.${q('job_id')} = ? AND r.${q('outcome')} IS NULL AND r.${q('verdict')} <> 'HEADER'` +
      ` ORDER BY r.${q('row_index')} LIMIT ${Number(batchSize)}`,
    [job.accountId, job.id],
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
    memberId: row.memberId ?? null,
    memberStatus: row.memberStatus ?? null,
    outcome: null,
    outcomeReason: null,
    userId: null,
  }));
}

/** Maps names (case-insensitively) to ids, creating the missing ones when asked. */
async function resolveNames(
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

/**
 * Sets the outcome of a batch's rows with one UPDATE instead of deleting and re-inserting them with their cells.
 * Rows that share a value (most share their outcome, and have no reason) are set by one `IN` list; the row
 * indexes are integers read from the table, written as literals, so only the texts are bound.
 */
async function writeOutcomes(manager: EntityManager, jobId: string, rows: PendingRow[]): Promise<void> {
  if (rows.length === 0) return;
  const escape = (name: string) => manager.connection.driver.escape(name);
  const rowIndex = escape('row_index');
  const parameters: unknown[] = [];
  const caseOf = (column: string, branches: Array<[condition: string, text: string]>) => {
    if (branches.length === 0) return `${escape(column)} = NULL`;
    for (const [, text] of branches) parameters.push(text);
    return `${escape(column)} = CASE ${branches.map(([condition]) => `WHEN ${condition} THEN ?`).join(' ')} ELSE NULL END`;
  };
  const byValue = (column: string, value: (row: PendingRow) => string | null) => {
    const rowsOf = new Map<string, number[]>();
    for (const row of rows) {
      const text = value(row);
      if (text === null) continue;
      const same = rowsOf.get(text);
      if (same) same.push(row.rowIndex);
      else rowsOf.set(text, [row.rowIndex]);
    }
    return caseOf(
      column,
      [...rowsOf].map(([text, indexes]) => [`${rowIndex} IN (${indexes.join(', ')})`, text]),
    );
  };
  const perRow = (column: string, value: (row: PendingRow) => string | null) =>
    caseOf(
      column,
      rows.filter((row) => value(row) !== null).map((row) => [`${rowIndex} = ${row.rowIndex}`, value(row)!]),
    );
  const sets = [
    byValue('outcome', (r) => r.outcome),
    byValue('outcome_reason', (r) => r.outcomeReason),
    perRow('user_id', (r) => r.userId),
  ];
  parameters.push(jobId);
  await manager.query(
    `UPDATE ${escape('import_rows')} SET ${sets.join(', ')} WHERE ${escape('job_id')} = ? AND ${rowIndex} IN (${rows.map((r) => r.rowIndex).join(', ')})`,
    parameters,
  );
}
