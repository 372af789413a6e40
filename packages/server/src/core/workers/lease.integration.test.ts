import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { builders } from '../../../test/builders.js';
import { dialects } from '../../../test/databases.js';
import { startTestRoster, type TestRoster } from '../../../test/harness.js';
import { ImportJobEntity, ImportJobState } from '../../imports/import-job.entity.js';
import { newId } from '../db/columns.js';
import { keepLease, LeaseLost, RowLease } from './lease.js';

const quiet = { info: () => {}, error: () => {} };

describe('keepLease', () => {
  afterEach(() => vi.useRealTimers());

  it('renews on every tick and aborts `lost` once a renewal says the lease is gone', async () => {
    vi.useFakeTimers();
    const answers = [true, true, false];
    const renew = vi.fn(async () => answers.shift() ?? false);
    const lease = keepLease(renew, 1_000, quiet, 'Test work');
    await vi.advanceTimersByTimeAsync(2_000);
    expect(renew).toHaveBeenCalledTimes(2);
    expect(lease.lost.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(lease.lost.aborted).toBe(true);
    expect(lease.lost.reason).toBeInstanceOf(LeaseLost);
    lease.stop();
  });

  it('keeps the lease when one renewal fails (database busy) and tries again at the next tick', async () => {
    vi.useFakeTimers();
    const errors: unknown[] = [];
    let calls = 0;
    const lease = keepLease(
      async () => {
        calls++;
        if (calls === 1) throw new Error('busy');
        return true;
      },
      1_000,
      { info: () => {}, error: (_message: string, error?: unknown) => void errors.push(error) },
      'Test work',
    );
    await vi.advanceTimersByTimeAsync(2_000);
    expect(calls).toBe(2);
    expect(errors).toHaveLength(1);
    expect(lease.lost.aborted).toBe(false);
    lease.stop();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(calls).toBe(2);
  });
});

describe.each(dialects)('RowLease (%s)', (dialect) => {
  let roster: TestRoster;
  let accountId: string;

  beforeAll(async () => {
    roster = await startTestRoster(
      dialect,
      {},
      { runImportRunner: false, runOutboxWorker: false, runWebhookWorker: false, runSyncEngine: false },
    );
    accountId = (await builders(roster.dataSource).anAccount({ name: 'Lease MSP' })).id;
  });
  afterAll(() => roster?.close());

  const aJob = async (changes: Partial<ImportJobEntity> = {}): Promise<string> => {
    const id = newId();
    await roster.dataSource.getRepository(ImportJobEntity).insert({
      id,
      accountId,
      createdByPersonId: null,
      origin: 'API',
      fileName: null,
      fileBytes: 0,
      state: ImportJobState.RUNNING,
      error: null,
      delimiter: null,
      hasHeader: false,
      columns: null,
      mapping: null,
      options: null,
      totalRows: 0,
      processedRows: 0,
      outcomes: null,
      leaseOwner: null,
      leaseUntil: null,
      createdAt: new Date(),
      startedAt: new Date(),
      finishedAt: null,
      ...changes,
    });
    return id;
  };
  const jobs = () => roster.dataSource.getRepository(ImportJobEntity);
  const lease = (owner: string, now: () => number = Date.now) =>
    new RowLease(roster.dataSource, {
      entity: ImportJobEntity,
      owner,
      leaseMs: 60_000,
      now,
      held: { state: ImportJobState.RUNNING },
      describe: (id) => `Job ${id}`,
    });
  const claimRunning = (rows: RowLease<ImportJobEntity>) =>
    rows.claim({
      claimable: 'state = :running AND account_id = :accountId',
      parameters: { running: ImportJobState.RUNNING, accountId },
      orderBy: 'started_at',
    });
  const release = async () => jobs().update({ accountId }, { state: ImportJobState.FINISHED, leaseOwner: null, leaseUntil: null });

  it('lets exactly one of two instances claim a row, and the other one none', async () => {
    await release();
    const id = await aJob();
    const [a, b] = await Promise.all([claimRunning(lease('a')), claimRunning(lease('b'))]);
    expect([a?.id, b?.id].filter(Boolean)).toEqual([id]);
    const row = await jobs().findOneByOrFail({ id });
    expect(row.leaseOwner).toBe(a ? 'a' : 'b');
  });

  it('claims the oldest claimable row first and sets the claim’s changes with the lease', async () => {
    await release();
    const older = await aJob({ startedAt: new Date(Date.now() - 60_000) });
    await aJob();
    const rows = lease('a');
    const claimed = await rows.claim({
      claimable: 'state = :running AND account_id = :accountId',
      parameters: { running: ImportJobState.RUNNING, accountId },
      orderBy: 'started_at',
      set: { processedRows: 7 },
    });
    expect(claimed).toMatchObject({ id: older, leaseOwner: 'a', processedRows: 7 });
  });

  it('gives a row whose lease ran out to another instance; the first then can neither extend nor write', async () => {
    await release();
    const id = await aJob();
    const first = lease('first');
    expect((await claimRunning(first))?.id).toBe(id);
    expect(await claimRunning(lease('early', () => Date.now() + 30_000))).toBeNull();
    const later = lease('later', () => Date.now() + 61_000);
    expect((await claimRunning(later))?.id).toBe(id);

    expect(await first.extend(id)).toBe(false);
    await expect(roster.dataSource.transaction((manager) => first.write(manager, id, { processedRows: 1 }))).rejects.toBeInstanceOf(
      LeaseLost,
    );
    expect(await later.extend(id)).toBe(true);
    await roster.dataSource.transaction((manager) => later.write(manager, id, { processedRows: 2 }));
    expect(await jobs().findOneByOrFail({ id })).toMatchObject({ leaseOwner: 'later', processedRows: 2 });
  });

  it('stops holding a row that left the held state (cancelled) even though the owner is unchanged', async () => {
    await release();
    const id = await aJob();
    const rows = lease('a');
    await claimRunning(rows);
    await jobs().update({ id }, { state: ImportJobState.CANCELLED });
    expect(await rows.extend(id)).toBe(false);
  });

  it('tells the work its lease was lost while it runs (keepWhile)', async () => {
    await release();
    const id = await aJob();
    const rows = lease('a');
    await claimRunning(rows);
    const outcome = await rows.keepWhile(id, 10, quiet, async (lost) => {
      await jobs().update({ id }, { leaseOwner: 'someone-else' });
      await new Promise<void>((resolve) => lost.addEventListener('abort', () => resolve(), { once: true }));
      return lost.reason;
    });
    expect(outcome).toBeInstanceOf(LeaseLost);
  });
});
